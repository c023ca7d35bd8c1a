fn main() {
    let mut sources = nurturec::SourceMap::new();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        sources.add(path, text);
    }
    let c = nurturec::compile(&sources);
    print!("{}", nurturec::diagnostics::render::human(&c.diagnostics, &sources, false));
}

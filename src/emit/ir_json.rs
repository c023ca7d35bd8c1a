pub const IR_FORMAT_VERSION: u32 = 1; pub fn ir_json(_p: &crate::ir::Project, _s: &crate::SourceMap) -> Vec<super::OutputFile> { Vec::new() }

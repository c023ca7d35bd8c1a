" Headless test of editors/vim. Run from anywhere:
"   vim -Nu NONE -i NONE -es -S editors/vim/test.vim
" Prints one line per failure and a summary; exits non-zero (cquit) on any failure.

let s:dir = expand('<sfile>:p:h')
" NURTUREC (optional): a real nurturec, relative to the directory Vim started in
let s:nurturec = empty($NURTUREC) ? '' : fnamemodify($NURTUREC, ':p')
let s:passed = 0
let s:failures = []

function! s:Out(lines) abort
  call writefile(type(a:lines) == v:t_list ? a:lines : [a:lines], '/dev/stdout', 'a')
endfunction

function! s:Check(ok, what) abort
  if a:ok
    let s:passed += 1
  else
    call add(s:failures, 'FAIL: ' . a:what)
  endif
endfunction

function! s:Eq(actual, expected, what) abort
  call s:Check(a:actual ==# a:expected, printf('%s: expected %s, got %s', a:what, string(a:expected), string(a:actual)))
endfunction

" The syntax group at the start of the n-th (1-based) match of pattern.
function! s:GroupAt(pattern, ...) abort
  let n = a:0 ? a:1 : 1
  call cursor(1, 1)
  let pos = [0, 0]
  for i in range(n)
    let pos = searchpos(a:pattern, i == 0 ? 'cW' : 'W')
  endfor
  if pos == [0, 0]
    return '<pattern not found: ' . a:pattern . '>'
  endif
  return synIDattr(synID(pos[0], pos[1], 1), 'name')
endfunction

function! s:Syntax(pattern, group, ...) abort
  let n = a:0 ? a:1 : 1
  call s:Eq(s:GroupAt(a:pattern, n), a:group, 'syntax group at /' . a:pattern . '/' . (n > 1 ? ' #' . n : ''))
endfunction

try
  execute 'set runtimepath^=' . fnameescape(s:dir)
  filetype plugin indent on
  syntax on

  " ------------------------------------------------------------ detection, ftplugin
  execute 'edit ' . fnameescape(s:dir . '/tests/sample.nurture')
  call s:Eq(&filetype, 'nurture', '&filetype')
  call s:Check(exists('b:current_syntax') && b:current_syntax ==# 'nurture', 'b:current_syntax is "nurture"')
  call s:Eq(&commentstring, '// %s', '&commentstring')
  call s:Eq(&comments, '://', '&comments')
  call s:Eq([&expandtab, &shiftwidth, &softtabstop], [1, 2, 2], '[&expandtab, &shiftwidth, &softtabstop]')
  call s:Check(exists('b:undo_ftplugin') && b:undo_ftplugin =~# 'commentstring<', 'b:undo_ftplugin resets the options')

  " ------------------------------------------------------------ syntax
  let s:expect = [
        \ ['^\zssegment mql', 'nurtureItem'], ['segment \zsmql', 'nurtureDefName'],
        \ ['^\zsemail recording', 'nurtureItem'], ['^\zsscoring b2b', 'nurtureItem'],
        \ ['^\zscampaign', 'nurtureItem'], ['campaign \zswebinar_followup', 'nurtureDefName'],
        \ ['\<subject\>', 'nurtureField'], ['\<template\>', 'nurtureField'], ['\<preview\>', 'nurtureField'],
        \ ['^\s*\zsstage', 'nurtureField'], ['\<awareness\>', 'nurtureStage'],
        \ ['\<title\> "', 'nurtureSetting'], ['\<trigger\>', 'nurtureSetting'], ['\<audience\>', 'nurtureSetting'],
        \ ['^\s*\zsscoring b2b$', 'nurtureSetting'], ['\<goal\>', 'nurtureSetting'], ['goal \zsdemo_booked', 'nurtureGoal'],
        \ ['\<suppress\>', 'nurtureSetting'], ['\<cap\>', 'nurtureSetting'], ['\<emails\>', 'nurtureSetting'],
        \ ['\<per\>', 'nurtureSetting'], ['\<reentry\>', 'nurtureSetting'], ['\<after\>', 'nurtureSetting'],
        \ ['\<where\>', 'nurtureConditional'], ['\<when\>', 'nurtureConditional'], ['\<else\>', 'nurtureConditional'],
        \ ['\<send\>', 'nurtureFlow'], ['\<wait\>', 'nurtureFlow'], ['\<until\>', 'nurtureFlow'],
        \ ['\<branch\>', 'nurtureFlow'], ['\<split\>', 'nurtureFlow'], ['\<set\>', 'nurtureFlow'],
        \ ['\<notify\>', 'nurtureFlow'], ['\<handoff\>', 'nurtureFlow'], ['\<note\>', 'nurtureFlow'],
        \ ['\<task\>', 'nurtureFlow'], ['\<due\>', 'nurtureFlow'], ['\<enroll\>', 'nurtureFlow'],
        \ ['\<goto\>', 'nurtureFlow'], ['\<exit\>', 'nurtureFlow'],
        \ ['\<start\>:', 'nurtureLabel'], ['goto \zsstart', 'nurtureLabelRef'],
        \ ['\<and\>', 'nurtureOperator'], ['\<or\>', 'nurtureOperator'], ['\<not\>', 'nurtureOperator'],
        \ ['\<in\>', 'nurtureOperator'], ['\<within\>', 'nurtureOperator'], ['\<inactive\>', 'nurtureOperator'],
        \ ['\<if\>', 'nurtureOperator'], ['\<on\>', 'nurtureOperator'], ['in \zsmql', 'nurtureSegmentRef'],
        \ ['>=', 'nurtureComparison'], ['==', 'nurtureComparison'],
        \ ['\<score\>\.', 'nurtureScore'], ['\<score\> ', 'nurtureScore'], ['\<false\>', 'nurtureBoolean'],
        \ ['webinar\.attended', 'nurtureEvent'], ['page\.visited', 'nurtureEvent'], ['email\.clicked', 'nurtureEvent'],
        \ ['\<4d\>', 'nurtureDuration'], ['\<60d\>', 'nurtureDuration'], ['50%', 'nurturePercent'],
        \ ['+15', 'nurturePoints'], ['-25', 'nurturePoints'], ['\<40\>', 'nurtureNumber'],
        \ ['>= \zs-5', 'nurtureNumber'], ['2\.5', 'nurtureNumber'],
        \ ['"Webinar', 'nurtureString'], ['{{ contact', 'nurtureMergeTag'], ['\\n', 'nurtureEscape'],
        \ ['\\u{1F600}', 'nurtureEscape'], ['^// A sample', 'nurtureComment'],
        \ ['set \zsstage', 'nurtureProperty'], ['when \zstitle ==', 'nurtureProperty'],
        \ ['\<source\> in', 'nurtureProperty'], ['\<from\> ==', 'nurtureProperty'], ['\<title\> ==', 'nurtureProperty'],
        \ ['when \zsunsubscribed', 'nurtureProperty'],
        \ ]
  for [s:pattern, s:group] in s:expect
    call s:Syntax(s:pattern, s:group)
  endfor
  " every group links to a standard highlight group
  for s:group in uniq(sort(map(copy(s:expect), 'v:val[1]')))
    call s:Check(synIDtrans(hlID(s:group)) != hlID(s:group), s:group . ' is linked to a standard group')
  endfor

  " ------------------------------------------------------------ indent: re-indenting the fixtures changes nothing
  for s:file in glob(s:dir . '/../vscode/tests/snap/*.nurture', 0, 1)
    execute 'edit! ' . fnameescape(s:file)
    let s:before = getline(1, '$')
    silent normal! gg=G
    let s:after = getline(1, '$')
    let s:diff = filter(range(len(s:before)), 's:before[v:val] !=# s:after[v:val]')
    call s:Check(empty(s:diff), 'indent of ' . fnamemodify(s:file, ':t') . (empty(s:diff) ? '' :
          \ printf(' line %d: %s', s:diff[0] + 1, string(s:after[s:diff[0]]))))
    setlocal nomodified
  endfor

  " ------------------------------------------------------------ compiler
  " No nurture.toml above the file: :make checks the current directory.
  execute 'edit! ' . fnameescape(s:dir . '/tests/sample.nurture')
  compiler nurturec
  call s:Eq(&l:makeprg, 'nurturec check --message-format short --column-unit byte .', '&makeprg without nurture.toml')
  call s:Check(&l:errorformat =~# 'error', 'local &errorformat is set')
  " :cgetexpr reads the global 'errorformat': set the compiler globally too
  compiler! nurturec
  cgetexpr [
        \ 'examples/a.nurture:12:3: error[missing-exit]: every path must end in exit, handoff, enroll or goto',
        \ 'examples/a.nurture:4:7: warning[unused]: email `orphan` is never sent',
        \ '   = help: add `exit`',
        \ 'error: could not check the project (1 error, 1 warning)',
        \ ]
  let s:qf = getqflist()
  call s:Eq(len(s:qf), 2, 'quickfix entries (other lines ignored)')
  if len(s:qf) == 2
    call s:Eq([bufname(s:qf[0].bufnr), s:qf[0].lnum, s:qf[0].col, s:qf[0].type, s:qf[0].valid],
          \ ['examples/a.nurture', 12, 3, 'E', 1], 'error entry [file, line, col, type, valid]')
    call s:Check(s:qf[0].text =~# '^\[missing-exit\]: every path must end in exit, handoff, enroll or goto$',
          \ 'error text: ' . string(s:qf[0].text))
    call s:Eq([bufname(s:qf[1].bufnr), s:qf[1].lnum, s:qf[1].col, s:qf[1].type],
          \ ['examples/a.nurture', 4, 7, 'W'], 'warning entry [file, line, col, type]')
  endif

  " :make with a stand-in nurturec on PATH: it records its arguments and, like
  " nurturec, writes the short format on stderr, naming files below its 6th argument.
  let s:tmp = tempname()
  let s:bin = s:tmp . '/bin'
  let s:args = s:tmp . '/args'
  call mkdir(s:bin, 'p')
  call writefile(['#!/bin/sh',
        \ 'printf "%s\n" "$@" > ' . shellescape(s:args),
        \ 'test "$1 $2 $3 $4 $5 $#" = "check --message-format short --column-unit byte 6" || exit 2',
        \ 'echo "$6/${STAND_IN_FILE:-sample.nurture}:33:3: error[missing-exit]: every path must end" >&2',
        \ 'echo "$6/${STAND_IN_FILE:-sample.nurture}:33:3: note: unrelated" >&2',
        \ 'exit 1'], s:bin . '/nurturec')
  call setfperm(s:bin . '/nurturec', 'rwxr-xr-x')
  let s:path = $PATH
  let $PATH = s:bin . ':' . $PATH
  set shellpipe=>%s\ 2>&1
  " only the buffer-local settings of :compiler this time
  setglobal errorformat& makeprg&
  compiler nurturec
  execute 'cd ' . fnameescape(s:dir . '/tests')
  silent make!
  call s:Eq(readfile(s:args), ['check', '--message-format', 'short', '--column-unit', 'byte', '.'], ':make arguments without nurture.toml')
  let s:qf = filter(getqflist(), 'v:val.valid')
  call s:Eq(len(s:qf), 1, ':make quickfix entries')
  if len(s:qf) == 1
    call s:Eq([fnamemodify(bufname(s:qf[0].bufnr), ':p'), s:qf[0].lnum, s:qf[0].col, s:qf[0].type],
          \ [fnamemodify(s:dir . '/tests/sample.nurture', ':p'), 33, 3, 'E'], ':make entry [file, line, col, type]')
    call s:Eq(s:qf[0].text, '[missing-exit]: every path must end', ':make entry text')
  endif

  " A project with a nurture.toml (its directory name needs quoting, for :set, the
  " shell and :make): :make checks it from a file in a subdirectory, from any
  " current directory, and the entries may name the project's other files.
  let s:proj = s:tmp . '/my proj #1'
  call mkdir(s:proj . '/campaigns', 'p')
  call writefile([], s:proj . '/nurture.toml')
  call writefile(['email hello {', '  subject "Hello"', '  template "t/hello"', '}'], s:proj . '/emails.nurture')
  call writefile(['campaign welcome {', '  trigger form.submitted("signup")', '  goal booked when meeting.booked',
        \ '  suppress when unsubscribed', '  send hello', '  exit', '}'], s:proj . '/campaigns/welcome.nurture')
  execute 'edit! ' . fnameescape(s:proj . '/campaigns/welcome.nurture')
  compiler nurturec
  call s:Check(&l:makeprg =~# '^nurturec check --message-format short --column-unit byte .*my proj', '&makeprg names the project: ' . &l:makeprg)
  execute 'cd ' . fnameescape(s:dir)
  let $STAND_IN_FILE = 'emails.nurture'
  silent make!
  call s:Eq(readfile(s:args), ['check', '--message-format', 'short', '--column-unit', 'byte', s:proj], ':make arguments with nurture.toml')
  let s:qf = filter(getqflist(), 'v:val.valid')
  call s:Eq(map(s:qf, '[fnamemodify(bufname(v:val.bufnr), ":p"), v:val.lnum, v:val.type]'),
        \ [[s:proj . '/emails.nurture', 33, 'E']], ':make entry in another file of the project')
  let $STAND_IN_FILE = ''

  " The real compiler, when editors/test.sh is given one: a two-file project has
  " no undefined names, and an error in a file that is not open is listed.
  if !empty(s:nurturec)
    call writefile(['#!/bin/sh', 'exec ' . shellescape(s:nurturec) . ' "$@"'], s:bin . '/nurturec')
    call writefile(['campaign extra {', '  trigger form.submitted("other")', '  goal booked when meeting.booked',
          \ '  suppress when unsubscribed', '  send nowhere', '  exit', '}'], s:proj . '/extra.nurture')
    execute 'edit! ' . fnameescape(s:proj . '/campaigns/welcome.nurture')
    compiler nurturec
    silent make!
    let s:qf = filter(getqflist(), 'v:val.valid')
    call s:Eq(map(s:qf, '[fnamemodify(bufname(v:val.bufnr), ":p"), v:val.lnum, v:val.col, v:val.type, v:val.text]'),
          \ [[s:proj . '/extra.nurture', 5, 8, 'E', '[undefined-name]: cannot find email `nowhere`']],
          \ 'real nurturec: :make lists the errors of the project')

    " After non-ASCII text (two- and three-byte characters, an emoji, a tab)
    " on the error's line, :cfirst lands on the name the error is about.
    let s:cols = s:tmp . '/columns'
    call mkdir(s:cols, 'p')
    call writefile([], s:cols . '/nurture.toml')
    call writefile(['segment buyers =' . "\t" . 'title == "Café — ü 😀" and in nowhere',
          \ 'segment others = title == "x" and not in buyers'], s:cols . '/segments.nurture')
    execute 'edit! ' . fnameescape(s:cols . '/segments.nurture')
    compiler nurturec
    silent make!
    let s:qf = filter(getqflist(), 'v:val.valid')
    call s:Eq(map(copy(s:qf), '[v:val.lnum, v:val.col, v:val.text]'),
          \ [[1, 54, '[undefined-name]: cannot find segment `nowhere`'], [2, 9, '[unused]: segment `others` is never used']],
          \ 'real nurturec: byte columns after non-ASCII text')
    silent cfirst
    call s:Eq([line('.'), strpart(getline('.'), col('.') - 1)], [1, 'nowhere'],
          \ 'real nurturec: :cfirst lands on the name after "Café — ü 😀"')
    call s:Eq(strcharpart(getline('.'), charcol('.') - 1, 7), 'nowhere', 'the cursor is on the character meant')
  endif
  let $PATH = s:path
  call delete(s:tmp, 'rf')
catch
  call add(s:failures, 'FAIL: exception ' . v:exception . ' at ' . v:throwpoint)
endtry

call s:Out(s:failures)
call s:Out(printf('vim: %d passed, %d failed%s', s:passed, len(s:failures),
      \ empty(s:nurturec) ? '' : ' (with the real nurturec ' . s:nurturec . ')'))
if empty(s:failures)
  qall!
else
  cquit!
endif

" Vim compiler file for nurturec
" Usage: :compiler nurturec | :make
" Reads the short message format:
"   examples/a.nurture:12:3: error[missing-exit]: every path must end ...
"   examples/a.nurture:4:7: warning[unused]: email `orphan` is never sent

if exists('current_compiler')
  finish
endif
let current_compiler = 'nurturec'

if exists(':CompilerSet') != 2
  command -nargs=* CompilerSet setlocal <args>
endif

let s:cpo_save = &cpo
set cpo&vim

CompilerSet makeprg=nurturec\ check\ --message-format\ short\ %
" %E/%W set the type (E or W); the message keeps the code: `[missing-exit]: ...`.
" Every other line (help, notes, the summary) is ignored.
CompilerSet errorformat=%E%f:%l:%c:\ error%m,%W%f:%l:%c:\ warning%m,%-G%.%#

let &cpo = s:cpo_save
unlet s:cpo_save

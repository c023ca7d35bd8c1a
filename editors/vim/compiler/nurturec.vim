" Vim compiler file for nurturec
" Usage: :compiler nurturec | :make
" :make checks the whole project of the buffer that was current at :compiler
" time: the nearest directory, from the file's own upwards, that holds a
" nurture.toml, else the current directory (`.`, resolved when :make runs).
" Extra :make arguments are appended (more files or directories to check).
" Reads the short message format with byte columns (`--column-unit byte`):
"   examples/a.nurture:12:3: error[missing-exit]: every path must end ...
"   examples/a.nurture:4:7: warning[unused]: email `orphan` is never sent
" The errorformat's %c is a byte index into the line (`:help errorformat`), so
" after non-ASCII text only byte columns land on the character meant; %v would
" be a screen column, which a tab or a wide character throws off.

if exists('current_compiler')
  finish
endif
let current_compiler = 'nurturec'

if exists(':CompilerSet') != 2
  command -nargs=* CompilerSet setlocal <args>
endif

let s:cpo_save = &cpo
set cpo&vim

" The directory to check: the nearest ancestor of the current file that holds a
" nurture.toml, else `.`.
function! s:NurturecRoot() abort
  if empty(expand('%'))
    return '.'
  endif
  let dir = expand('%:p:h')
  while 1
    if filereadable(dir . '/nurture.toml')
      return dir
    endif
    let parent = fnamemodify(dir, ':h')
    if parent ==# dir
      return '.'
    endif
    let dir = parent
  endwhile
endfunction

" Quoted for the shell, with `%` and `#` kept from :make's file name expansion,
" then escaped for :set.
let s:root = s:NurturecRoot()
let s:makeprg = 'nurturec check --message-format short --column-unit byte '
      \ . (s:root ==# '.' ? '.' : escape(shellescape(s:root), '%#'))
execute 'CompilerSet makeprg=' . escape(s:makeprg, ' \|"')
unlet s:root s:makeprg
" %E/%W set the type (E or W); the message keeps the code: `[missing-exit]: ...`.
" Every other line (help, notes, the summary) is ignored.
CompilerSet errorformat=%E%f:%l:%c:\ error%m,%W%f:%l:%c:\ warning%m,%-G%.%#

let &cpo = s:cpo_save
unlet s:cpo_save

" Vim indent file for .nurture files (nurturec): one level per open brace.

if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal autoindent nosmartindent nocindent
setlocal indentexpr=NurtureIndent(v:lnum)
setlocal indentkeys=0{,0},!^F,o,O

let b:undo_indent = 'setlocal autoindent< smartindent< cindent< indentexpr< indentkeys<'

if exists('*NurtureIndent')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" The line without strings and comments.
function! s:Code(lnum) abort
  let line = substitute(getline(a:lnum), '"\%([^"\\]\|\\.\)*"', '""', 'g')
  return substitute(line, '//.*$', '', '')
endfunction

function! NurtureIndent(lnum) abort
  let prev = prevnonblank(a:lnum - 1)
  if prev == 0
    return 0
  endif
  let code = s:Code(prev)
  " Braces opened (or closed) on the previous line, not counting a leading `}`,
  " which was dedented already.
  let opened = len(substitute(code, '[^{]', '', 'g'))
  let closed = len(substitute(substitute(code, '^\s*}', '', ''), '[^}]', '', 'g'))
  let ind = indent(prev) + shiftwidth() * ((opened - closed) > 0 ? 1 : (opened - closed) < 0 ? -1 : 0)
  if s:Code(a:lnum) =~# '^\s*}'
    let ind -= shiftwidth()
  endif
  return max([ind, 0])
endfunction

let &cpo = s:cpo_save
unlet s:cpo_save

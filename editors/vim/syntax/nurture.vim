" Vim syntax file
" Language: nurture (B2B email nurture campaigns, compiled by nurturec)
" Filenames: *.nurture
"
" Keywords are contextual in the language: a contact property may be called
" `title`, `stage`, `source` or `from`. So only the reserved words are
" `:syn keyword`s; every other keyword is a `:syn match` that does not apply
" when a comparison follows it (`title == "CTO"`), and identifiers in condition
" positions are matched as properties after the keyword matches (for
" `:syn match`, the item defined last wins at the same position).

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match

" Not a keyword when an operator follows: `title == "CTO"`, `stage in [...]`.
let s:notop = '\%(\s*\%([=!<>]=\|[<>]\|[.(:]\|\<in\>\|\<not\s\+in\>\)\)\@!'
let s:notcmp = '\%(\s*\%([=!<>]=\|[<>]\|[.(:]\)\)\@!'
" The reserved words, which are never names.
let s:reserved = '\%(\<\%(and\|or\|not\|in\|within\|when\|where\|if\|on\|else\|true\|false\)\>\)\@!'

" ---------------------------------------------------------------- literals
syn match   nurtureNumber      "\%(\%([[:alnum:]_)\]]\)\@<!-\)\=\<\d\+\%(\.\d\+\)\=\>"
syn match   nurtureDuration    "\<\d\+[mhdw]\>"
syn match   nurturePercent     "\<\d\+%"
" the points of a scoring rule: `+15 if ...`, `-25 on ...`
syn match   nurturePoints      "\%([[:alnum:]_)\]]\)\@<!\%(+\d\+\>\|-\d\+\>\ze\s\+\%(if\|on\)\>\)[%.]\@!"
syn keyword nurtureBoolean     true false

syn match   nurtureEscapeError +\\.+ contained
syn match   nurtureEscape      +\\\%(["\\nt]\|u{\x\{1,6}}\)+ contained
syn match   nurtureMergeTag    +{{\%([^"\\}]\|\\.\|}}\@!\)*}}+ contained contains=nurtureEscape
" a string cannot span lines
syn region  nurtureString      start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=nurtureEscapeError,nurtureEscape,nurtureMergeTag,@Spell

syn keyword nurtureTodo        TODO FIXME XXX contained
syn match   nurtureComment     "//.*$" contains=nurtureTodo,@Spell

syn match   nurtureDelimiter   "[{}()\[\],:]"

" ---------------------------------------------------------------- reserved words
syn keyword nurtureOperator    and or not within if on
syn keyword nurtureOperator    in nextgroup=nurtureSegmentRef skipwhite
syn keyword nurtureConditional when where else
syn match   nurtureComparison  "[=!<>]=\|[<>]"
syn match   nurtureAssign      "[=!<>]\@<!==\@!"

" ---------------------------------------------------------------- contextual keywords
" settings of a campaign
exe 'syn match nurtureSetting "\<\%(title\|trigger\|suppress\|cap\|reentry\)\>' . s:notop . '"'
exe 'syn match nurtureSetting "\<scoring\>' . s:notop . '" nextgroup=nurtureTypeRef skipwhite'
exe 'syn match nurtureSetting "\<goal\>' . s:notop . '" nextgroup=nurtureGoal skipwhite'
syn match   nurtureSetting     "\<emails\=\>\ze\s\+per\>"
syn match   nurtureSetting     "\%(\<emails\=\s\+\)\@<=per\>"
syn match   nurtureSetting     "\%(\<reentry\s\+\)\@<=\%(never\|always\|after\)\>"
" fields of an email
exe 'syn match nurtureField "\<\%(subject\|template\|preview\)\>' . s:notop . '"'
exe 'syn match nurtureField "\<stage\>' . s:notop . '" nextgroup=nurtureStage skipwhite'
syn match   nurtureStage       "\<\%(awareness\|consideration\|decision\|retention\)\>" contained
" flow statements
exe 'syn match nurtureFlow "\<\%(wait\|until\|branch\|split\|note\|task\|due\|exit\)\>' . s:notop . '"'
exe 'syn match nurtureFlow "\<\%(send\|enroll\|handoff\|notify\)\>' . s:notop . '" nextgroup=nurtureRef skipwhite'
" the send window: `send during mon-fri 09:00-17:00`
syn match   nurtureSetting     "\<send\s\+during\>\ze\s\+\%(mon\|tue\|wed\|thu\|fri\|sat\|sun\)\>"
syn match   nurtureNumber      "\<\d\d\=:\d\d\>"
syn match   nurtureWeekday     "\%(\<send\s\+during\s\+\%(\w\+\s*[-,]\s*\)*\)\@<=\<\%(mon\|tue\|wed\|thu\|fri\|sat\|sun\)\>"
exe 'syn match nurtureFlow "\<goto\>' . s:notop . '" nextgroup=nurtureLabelRef skipwhite'
exe 'syn match nurtureFlow "\<set\>' . s:notop . '" nextgroup=nurtureProperty skipwhite'

exe 'syn match nurtureRef "' . s:reserved . '\<\h\w*\>" contained'
exe 'syn match nurtureTypeRef "' . s:reserved . '\<\h\w*\>" contained'
exe 'syn match nurtureSegmentRef "' . s:reserved . '\<\h\w*\>\%(\s*[.(]\)\@!" contained'
exe 'syn match nurtureGoal "' . s:reserved . '\<\h\w*\>" contained'
exe 'syn match nurtureLabelRef "' . s:reserved . '\<\h\w*\>" contained'
exe 'syn match nurtureProperty "' . s:reserved . '\<\h\w*\>" contained'

" ---------------------------------------------------------------- properties in conditions
" a name compared with something: `title == "CTO"`, `source in ["x"]`
exe 'syn match nurtureProperty "' . s:reserved . '\<\h\w*\>\ze\s*\%([=!<>]=\|[<>]\|\<in\>\|\<not\s\+in\>\)"'
" a boolean property after a condition word: `when unsubscribed`, `and not trigger`
exe 'syn match nurtureProperty "\%(\%(\<\%(when\|where\|until\|if\|and\|or\|not\)\|[^=!<>]=\|\%(\w\s*\)\@<!(\)\s*\)\@<=' . s:reserved . '\<\h\w*\>\%(\s*[.(:]\)\@!"'
" ...but `audience in vip` starts with a setting, and `or until` is part of `wait`
exe 'syn match nurtureSetting "\<audience\>' . s:notcmp . '"'
exe 'syn match nurtureFlow "\%(\<or\s\+\)\@<=until\>' . s:notop . '"'

" ---------------------------------------------------------------- names, events, score
syn match   nurtureLabel       "\<\h\w*\ze\s*:"
syn match   nurtureEvent       "\<[a-z_]\w*\%(\.[a-z_]\w*\)\+\>" nextgroup=nurtureEventArgs
syn match   nurtureEvent       "\<event\ze\s*("
syn match   nurtureEventArgs   "(\s*\h\w*\s*)" contained contains=nurtureDelimiter,nurtureRef
syn match   nurtureScore       "\<score\>\%(\.\h\w*\>\)\="
syn match   nurtureOperator    "\<inactive\>\ze\s*\d"
syn match   nurtureOperator    "\<contains\>\ze\s*[\"0-9-]"
syn match   nurtureOperator    "\<max\>\ze\s*\d"
" the `properties { name: type }` block
syn match   nurtureItem        "^\s*\zsproperties\>\ze\s*{"
syn match   nurtureType        "\%(:\s*\)\@<=\%(list\s\+of\s\+text\|text\|number\|bool\)\>"

" items: `segment name =`, `email name {`, ... (or any of them at column 1)
syn match   nurtureItem        "\<segment\>\ze\s\+\h\w*\s*=" nextgroup=nurtureDefName skipwhite
syn match   nurtureItem        "\<\%(email\|scoring\|campaign\)\>\ze\s\+\h\w*\s*{" nextgroup=nurtureDefName skipwhite
syn match   nurtureItem        "^\%(segment\|email\|scoring\|campaign\)\>\ze\s\+\h" nextgroup=nurtureDefName skipwhite
syn match   nurtureDefName     "\<\h\w*\>" contained
" a component of a scoring model: `fit {`
syn match   nurtureComponent   "^\s*\zs\%(\%(branch\|split\|else\)\>\)\@!\h\w*\ze\s*{"

" ---------------------------------------------------------------- links
hi def link nurtureComment     Comment
hi def link nurtureTodo        Todo
hi def link nurtureString      String
hi def link nurtureEscape      SpecialChar
hi def link nurtureEscapeError Error
hi def link nurtureMergeTag    PreProc
hi def link nurtureNumber      Number
hi def link nurtureDuration    Number
hi def link nurturePercent     Number
hi def link nurturePoints      Number
hi def link nurtureBoolean     Boolean
hi def link nurtureDelimiter   Delimiter
hi def link nurtureOperator    Operator
hi def link nurtureComparison  Operator
hi def link nurtureAssign      Operator
hi def link nurtureConditional Conditional
hi def link nurtureType         Type
hi def link nurtureItem        Structure
hi def link nurtureDefName     Function
hi def link nurtureComponent   Identifier
hi def link nurtureSetting     Keyword
hi def link nurtureField       Keyword
hi def link nurtureStage       Constant
hi def link nurtureWeekday     Constant
hi def link nurtureFlow        Statement
hi def link nurtureLabel       Label
hi def link nurtureLabelRef    Label
hi def link nurtureGoal        Identifier
hi def link nurtureRef         Function
hi def link nurtureTypeRef     Type
hi def link nurtureSegmentRef  Type
hi def link nurtureProperty    Identifier
hi def link nurtureEvent       Special
hi def link nurtureScore       Special

let b:current_syntax = 'nurture'

let &cpo = s:cpo_save
unlet s:cpo_save s:notop s:notcmp s:reserved

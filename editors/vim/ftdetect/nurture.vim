" Vim filetype detection for .nurture files (nurturec)
autocmd BufRead,BufNewFile *.nurture setfiletype nurture

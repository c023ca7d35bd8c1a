-- A real client for `nurturec lsp`: headless Neovim (0.7 or later, Debian's
-- `neovim`) opens an example, edits it without saving, and sees a diagnostic
-- appear and clear; then completion, go to definition and rename go through
-- the same client. Run from the repository root:
--   NURTUREC=target/debug/nurturec nvim --headless -n -u NONE -i NONE -c 'luafile editors/neovim/lsp_test.lua'
-- Prints `neovim-lsp: N passed, N failed`; exits non-zero on a failure.

local passed, failed = 0, 0
local function test(name, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
    io.stdout:write('ok - ' .. name .. '\n')
  else
    failed = failed + 1
    io.stdout:write('not ok - ' .. name .. '\n  ' .. tostring(err) .. '\n')
  end
end

local function finish()
  io.stdout:write(string.format('neovim-lsp: %d passed, %d failed\n', passed, failed))
  vim.cmd(failed == 0 and 'qall!' or 'cquit! 1')
end

local nurturec = os.getenv('NURTUREC')
if not nurturec or nurturec == '' then
  io.stdout:write('not ok - NURTUREC must name the nurturec binary\n')
  failed = 1
  finish()
end
nurturec = vim.fn.fnamemodify(nurturec, ':p')
local root = vim.fn.fnamemodify('examples', ':p'):gsub('/$', '')
local file = root .. '/webinar_followup.nurture'

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'nurturec',
  cmd = { nurturec, 'lsp' },
  root_dir = root,
  init_options = { debounceMs = 20 },
  flags = { debounce_text_changes = 20 },
})
assert(client_id, 'the client starts')
vim.lsp.buf_attach_client(buf, client_id)
local client = vim.lsp.get_client_by_id(client_id)

-- 0-based line of the first line matching `pattern`.
local function line_of(pattern)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if line:find(pattern) then return i - 1 end
  end
  error('no line matches ' .. pattern)
end

local function codes()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(found, tostring(d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)))
  end
  table.sort(found)
  return table.concat(found, ',')
end

local function set_line(line, text)
  vim.api.nvim_buf_set_lines(buf, line, line + 1, false, { text })
end

local function request(method, params)
  local response, err = client.request_sync(method, params, 10000, buf)
  assert(response, 'no answer to ' .. method .. ': ' .. tostring(err))
  assert(not response.err, method .. ': ' .. vim.inspect(response.err))
  return response.result
end

local function at(line, character)
  return { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = character } }
end

test('the server initializes', function()
  assert(vim.wait(10000, function() return client.initialized end, 20), 'not initialized')
end)

local send = line_of('^  send case_study')
local original = vim.api.nvim_buf_get_lines(buf, send, send + 1, false)[1]

test('an unsaved edit shows its diagnostic, and undoing it clears it', function()
  assert(vim.wait(10000, function() return codes() == '' end, 20), 'the example is not clean: ' .. codes())
  set_line(send, '  send case_stdy')
  assert(vim.wait(10000, function() return codes() == 'undefined-name' end, 20), 'got ' .. codes())
  local d = vim.diagnostic.get(buf)[1]
  assert(d.lnum == send and d.col == 7, 'at ' .. d.lnum .. ':' .. d.col)
  assert(d.message:find('did you mean `case_study`', 1, true), d.message)
  assert(vim.bo[buf].modified, 'the buffer is modified, not saved')
  set_line(send, original)
  assert(vim.wait(10000, function() return codes() == '' end, 20), 'still ' .. codes())
end)

test('completion after `send` offers the emails', function()
  set_line(send, '  send ')
  local result = request('textDocument/completion', at(send, 7))
  local items = result.items or result
  local labels = {}
  for _, item in ipairs(items) do labels[item.label] = true end
  assert(labels.case_study and labels.demo_invite, vim.inspect(vim.tbl_keys(labels)))
  assert(not labels.practitioners, 'a segment is not an email')
  set_line(send, original)
end)

test('go to definition of an email', function()
  local result = request('textDocument/definition', at(send, 9))
  local location = result[1] or result
  assert(location.uri == vim.uri_from_bufnr(buf), location.uri)
  assert(location.range.start.line == line_of('^email case_study'), vim.inspect(location.range))
end)

test('rename an email: the definition and the send', function()
  local params = at(send, 9)
  params.newName = 'case_story'
  local edit = request('textDocument/rename', params)
  vim.lsp.util.apply_workspace_edit(edit, 'utf-16')
  line_of('^email case_story {')
  line_of('^  send case_story')
  assert(not pcall(line_of, '^email case_study'), 'the definition was left')
  assert(not pcall(line_of, 'send case_study'), 'the send was left')
  -- The renamed buffer is as clean as before.
  vim.wait(300)
  assert(vim.wait(10000, function() return codes() == '' end, 20), 'after rename: ' .. codes())
end)

vim.lsp.stop_client(client_id)
vim.wait(5000, function() return client.is_stopped() end, 20)
finish()

; Syntax highlighting for .nurture. Capture names follow nvim-treesitter and
; Zed; see editors/README.md for Helix. Editors differ in which of two
; captures of one node wins, so no two patterns here capture the same node.

(comment) @comment

; ─── keywords ────────────────────────────────────────────────────────────

[
  "segment"
  "email"
  "scoring"
  "campaign"
  "properties"
] @keyword

; email fields and campaign settings
[
  "subject"
  "template"
  "stage"
  "preview"
  "title"
  "trigger"
  "audience"
  "goal"
  "suppress"
  "cap"
  "emails"
  "per"
  "reentry"
  "after"
  "during"
  "where"
] @keyword

; flow statements
[
  "send"
  "wait"
  "until"
  "split"
  "set"
  "notify"
  "handoff"
  "note"
  "task"
  "due"
  "enroll"
] @keyword

[
  "goto"
  "exit"
] @keyword.return

[
  "branch"
  "when"
  "else"
  "if"
] @keyword.conditional

; handlers and scoring rules: `on <condition>`, `+8 on <event> max 70`
[
  "on"
  "max"
] @keyword

[
  "and"
  "or"
  "not"
  "in"
  "within"
  "contains"
  "inactive"
] @keyword.operator

; `reentry never` / `reentry always`, and the funnel stages
[
  "never"
  "always"
] @constant.builtin

(funnel_stage) @constant.builtin

; the types of the `properties` block
(property_type
  [
    "text"
    "number"
    "bool"
    "list"
    "of"
  ] @type.builtin)

; `score`, `score.fit`: the campaign's scoring model
(score
  "score" @variable.builtin)

(score
  component: (identifier) @property)

; ─── names ───────────────────────────────────────────────────────────────

; items, where they are defined and where they are used
(segment_definition
  name: (identifier) @type.definition)

(email_definition
  name: (identifier) @type.definition)

(scoring_definition
  name: (identifier) @type.definition)

(campaign_definition
  name: (identifier) @type.definition)

(in_segment
  segment: (identifier) @type)

(send_statement
  email: (identifier) @type)

(enroll_statement
  campaign: (identifier) @type)

(scoring_setting
  model: (identifier) @type)

(score_component
  name: (identifier) @property)

; labels (`digest: send monthly_digest`, `goto digest`) and goal names
(labeled_statement
  label: (identifier) @label)

(goto_statement
  label: (identifier) @label)

(goal_setting
  name: (identifier) @label)

; contact properties
(property) @property

(property_declaration
  name: (identifier) @property)

; events: `email.clicked(case_study)`, `demo.requested`
(event
  name: (identifier) @function.call)

(argument
  (identifier) @variable.parameter)

; who receives a notification or a hand-off
(notify_statement
  recipient: (identifier) @variable)

(handoff_statement
  queue: (identifier) @variable)

; the days of a send window
(day_span
  (identifier) @constant)

; ─── literals ────────────────────────────────────────────────────────────

(string) @string

(escape_sequence) @string.escape

; `{{ contact.first_name }}`
(merge_tag) @string.special

(boolean) @boolean

[
  (integer)
  (number)
  (points)
  (percent)
] @number

[
  (duration)
  (clock)
] @number

; ─── punctuation ─────────────────────────────────────────────────────────

[
  "=="
  "!="
  ">="
  "<="
  ">"
  "<"
  "="
  "-"
] @operator

[
  "."
  ","
  ":"
] @punctuation.delimiter

[
  "{"
  "}"
  "("
  ")"
  "["
  "]"
] @punctuation.bracket

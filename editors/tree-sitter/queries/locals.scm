; Labels are local to their campaign: `goto digest` refers to the statement
; labelled `digest:` in the same campaign. Every other name (segments, emails,
; scoring models, campaigns) is project-wide, across files, so it is not a
; local.

(campaign_definition) @local.scope

(labeled_statement
  label: (identifier) @local.definition)

(goto_statement
  label: (identifier) @local.reference)

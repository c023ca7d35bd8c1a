; Definitions and references of a project's items, for code navigation
; (`tree-sitter tags`, GitHub's symbol list). Names are project-wide.

(campaign_definition
  name: (identifier) @name) @definition.module

(segment_definition
  name: (identifier) @name) @definition.type

(email_definition
  name: (identifier) @name) @definition.constant

(scoring_definition
  name: (identifier) @name) @definition.class

(property_declaration
  name: (identifier) @name) @definition.field

(send_statement
  email: (identifier) @name) @reference.constant

(in_segment
  segment: (identifier) @name) @reference.type

(enroll_statement
  campaign: (identifier) @name) @reference.module

(scoring_setting
  model: (identifier) @name) @reference.class

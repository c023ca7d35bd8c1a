/**
 * @file Tree-sitter grammar for `.nurture`, the language of nurturec.
 *
 * It follows `grammar/nurture.pest`, the compiler's own grammar: every file
 * the compiler parses without a syntax error parses here without an ERROR or
 * MISSING node, and the words written as tokens here are exactly the rule
 * `keyword` of the pest grammar (tests/integration/tree_sitter.rs checks
 * both). It is a grammar for editors: it may accept a little more than the
 * compiler (the reserved words are not refused as names), never less.
 *
 * Keywords are contextual, as in the compiler: `word` makes the lexer read a
 * whole identifier first and treat it as a keyword only where the parse
 * state expects that keyword, so `title`, `stage`, `source` or `from` stay
 * usable as properties in conditions. Where a keyword and a name can both
 * start what follows (a label `exit:` where a statement is expected, an
 * email named `during` after `send`), the name is spelt out with an alias.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

const PREC = {
  or: 1,
  and: 2,
  not: 3,
};

/** The keywords that can start a campaign member: a label may be named so. */
const MEMBER_KEYWORDS = [
  'title', 'trigger', 'audience', 'scoring', 'goal', 'suppress', 'cap', 'reentry',
  'send', 'wait', 'branch', 'split', 'set', 'notify', 'handoff', 'enroll', 'goto', 'exit',
];

/**
 * Items separated by `separator`.
 * @param {RuleOrLiteral} rule
 * @param {RuleOrLiteral} separator
 */
function sep1(rule, separator) {
  return seq(rule, repeat(seq(separator, rule)));
}

module.exports = grammar({
  name: 'nurture',

  word: $ => $.identifier,

  extras: $ => [/\s/, $.comment],

  conflicts: $ => [
    // `send during` then a name: the days of a send window, or the label of
    // the next statement after sending the email `during`.
    [$.send_statement, $.send_window],
    // `contains` after a condition: its tail (`tech_stack contains "x"`), or
    // the label of the next statement (`contains: send x`).
    [$._condition, $.contains],
  ],

  supertypes: $ => [$._condition, $._literal],

  rules: {
    source_file: $ => repeat($._item),

    _item: $ => choice(
      $.segment_definition,
      $.email_definition,
      $.scoring_definition,
      $.campaign_definition,
      $.properties_definition,
    ),

    // ───────────────────────────── items ─────────────────────────────

    segment_definition: $ => seq(
      'segment',
      field('name', $.identifier),
      '=',
      field('condition', $._condition),
    ),

    email_definition: $ => seq(
      'email',
      field('name', $.identifier),
      '{',
      repeat(choice($.subject, $.template, $.stage, $.preview)),
      '}',
    ),
    subject: $ => seq('subject', field('value', $.string)),
    template: $ => seq('template', field('value', $.string)),
    stage: $ => seq('stage', field('value', $.funnel_stage)),
    preview: $ => seq('preview', field('value', $.string)),
    funnel_stage: _ => choice('awareness', 'consideration', 'decision', 'retention'),

    scoring_definition: $ => seq(
      'scoring',
      field('name', $.identifier),
      '{',
      repeat($.score_component),
      '}',
    ),
    score_component: $ => seq(
      field('name', $.identifier),
      '{',
      repeat($.score_rule),
      '}',
    ),
    score_rule: $ => seq(
      field('points', $.points),
      choice(
        seq('if', field('condition', $._condition)),
        seq(
          'on',
          choice(field('event', $.inactive), sep1(field('event', $.event), 'or')),
          optional(seq('max', field('max', $.integer))),
        ),
      ),
    ),

    properties_definition: $ => seq('properties', '{', repeat($.property_declaration), '}'),
    property_declaration: $ => seq(
      field('name', $.identifier),
      ':',
      field('type', $.property_type),
    ),
    property_type: $ => choice(
      seq('text', optional(seq('in', field('values', $.list)))),
      'number',
      'bool',
      seq('list', 'of', 'text'),
    ),

    campaign_definition: $ => seq(
      'campaign',
      field('name', $.identifier),
      '{',
      repeat(choice($._setting, $._statement)),
      '}',
    ),

    // ─────────────────────────── settings ────────────────────────────

    _setting: $ => choice(
      $.title_setting,
      $.trigger_setting,
      $.audience_setting,
      $.scoring_setting,
      $.goal_setting,
      $.suppress_setting,
      $.cap_setting,
      $.reentry_setting,
      $.handler,
      $.send_window,
    ),
    title_setting: $ => seq('title', field('value', $.string)),
    trigger_setting: $ => seq(
      'trigger',
      field('event', choice($.inactive, $.event)),
      optional(seq('where', field('filter', $._condition))),
    ),
    audience_setting: $ => seq('audience', field('condition', $._condition)),
    scoring_setting: $ => seq('scoring', field('model', $.identifier)),
    goal_setting: $ => seq(
      'goal',
      field('name', $.identifier),
      'when',
      field('condition', $._condition),
    ),
    suppress_setting: $ => seq('suppress', 'when', field('condition', $._condition)),
    cap_setting: $ => seq(
      'cap',
      field('count', $.integer),
      choice('emails', 'email'),
      'per',
      field('window', $.duration),
    ),
    reentry_setting: $ => seq(
      'reentry',
      choice('never', 'always', seq('after', field('delay', $.duration))),
    ),
    /** `on <condition> { … }`: a handler. */
    handler: $ => seq('on', field('condition', $._condition), field('body', $.block)),
    /** `send during mon-fri 09:00-17:00`. */
    send_window: $ => seq(
      'send',
      'during',
      field('days', $.window_days),
      field('hours', $.window_hours),
    ),
    window_days: $ => sep1($.day_span, ','),
    day_span: $ => seq(
      field('first', $.identifier),
      optional(seq('-', field('last', $.identifier))),
    ),
    window_hours: $ => seq(field('open', $.clock), '-', field('close', $.clock)),

    // ──────────────────────────── the flow ───────────────────────────

    _statement: $ => choice($.labeled_statement, $._unlabeled_statement),
    labeled_statement: $ => seq(
      field('label', $._label_name),
      ':',
      field('statement', $._unlabeled_statement),
    ),
    _label_name: $ => choice(
      $.identifier,
      alias(choice(...MEMBER_KEYWORDS), $.identifier),
      // After a condition, `contains` may start its tail or name a label.
      alias('contains', $.identifier),
    ),
    _unlabeled_statement: $ => choice(
      $.send_statement,
      $.wait_statement,
      $.branch_statement,
      $.split_statement,
      $.set_statement,
      $.notify_statement,
      $.handoff_statement,
      $.enroll_statement,
      $.goto_statement,
      $.exit_statement,
    ),
    block: $ => seq('{', repeat($._statement), '}'),

    send_statement: $ => seq(
      'send',
      field('email', choice($.identifier, alias('during', $.identifier))),
    ),
    wait_statement: $ => seq(
      'wait',
      field('duration', $.duration),
      optional(seq('or', 'until', field('until', $._condition))),
    ),
    branch_statement: $ => seq('branch', '{', repeat1($.when_arm), optional($.else_arm), '}'),
    when_arm: $ => seq('when', field('condition', $._condition), field('body', $.block)),
    else_arm: $ => seq('else', field('body', $.block)),
    split_statement: $ => seq('split', '{', repeat1($.split_arm), '}'),
    split_arm: $ => seq(field('share', $.percent), field('body', $.block)),
    set_statement: $ => seq(
      'set',
      field('property', alias($.identifier, $.property)),
      '=',
      field('value', $._literal),
    ),
    notify_statement: $ => seq(
      'notify',
      field('recipient', choice($.string, $.identifier)),
      field('message', $.string),
    ),
    handoff_statement: $ => seq(
      'handoff',
      field('queue', $.identifier),
      optional(field('body', $.handoff_body)),
    ),
    handoff_body: $ => seq('{', repeat(choice($.note, $.task)), '}'),
    note: $ => seq('note', field('text', $.string)),
    task: $ => seq(
      'task',
      field('title', $.string),
      optional(seq('due', field('due', $.duration))),
    ),
    enroll_statement: $ => seq('enroll', field('campaign', $.identifier)),
    goto_statement: $ => seq('goto', field('label', $.identifier)),
    exit_statement: $ => seq('exit', optional(field('reason', $.string))),

    // ─────────────────────────── conditions ──────────────────────────

    _condition: $ => choice(
      $.or_condition,
      $.and_condition,
      $.not_condition,
      $.parenthesized_condition,
      $.in_segment,
      $.inactive,
      $.comparison,
      $.membership,
      $.within,
      $.contains,
      $._operand,
    ),
    or_condition: $ => prec.left(PREC.or, seq(
      field('left', $._condition),
      'or',
      field('right', $._condition),
    )),
    and_condition: $ => prec.left(PREC.and, seq(
      field('left', $._condition),
      'and',
      field('right', $._condition),
    )),
    not_condition: $ => prec(PREC.not, seq('not', field('condition', $._condition))),
    parenthesized_condition: $ => seq('(', field('condition', $._condition), ')'),
    in_segment: $ => seq('in', field('segment', $.identifier)),
    /** `inactive 60d`: no engagement event for the duration. */
    inactive: $ => seq('inactive', field('duration', $.duration)),
    comparison: $ => seq(
      field('left', $._operand),
      field('operator', choice('==', '!=', '>=', '<=', '>', '<')),
      field('right', $._literal),
    ),
    membership: $ => seq(
      field('left', $._operand),
      optional('not'),
      'in',
      field('values', $.list),
    ),
    within: $ => seq(field('event', $._operand), 'within', field('duration', $.duration)),
    contains: $ => seq(field('left', $._operand), 'contains', field('value', $._literal)),

    /**
     * What a test starts with: a contact property (a bare name), an event
     * (a dotted name, or a name with an argument), or a score.
     */
    _operand: $ => choice(
      alias($.identifier, $.property),
      // `inactive` not followed by a duration is a property, as in the
      // compiler's grammar.
      alias('inactive', $.property),
      alias($._condition_event, $.event),
      $.score,
    ),
    /** An event of a trigger or a scoring rule: `demo.requested`, `page.visited("/pricing")`. */
    event: $ => seq(
      field('name', $.identifier),
      repeat(seq('.', field('name', $.identifier))),
      optional(field('argument', $.argument)),
    ),
    /** An event in a condition: a bare name there is a property. */
    _condition_event: $ => choice(
      seq(
        field('name', $.identifier),
        repeat1(seq('.', field('name', $.identifier))),
        optional(field('argument', $.argument)),
      ),
      seq(field('name', $.identifier), field('argument', $.argument)),
    ),
    /** `score` (the model's total) or `score.<component>`. */
    score: $ => seq(
      'score',
      repeat(seq('.', field('component', $.identifier))),
      optional(field('argument', $.argument)),
    ),
    argument: $ => seq('(', choice($.string, $.identifier), ')'),
    list: $ => seq(
      '[',
      optional(seq(sep1($._literal, ','), optional(','))),
      ']',
    ),

    // ───────────────────────────── tokens ────────────────────────────

    _literal: $ => choice($.string, $.number, $.boolean),
    boolean: _ => choice('true', 'false'),

    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence, $.merge_tag)),
      token.immediate('"'),
    ),
    // The precedence keeps `//` inside a string from starting a comment.
    string_content: _ => token.immediate(prec(1, choice(/[^"\\\n{]+/, '{'))),
    escape_sequence: _ => token.immediate(prec(1, /\\(["\\nt]|u\{[0-9a-fA-F]{1,6}\})/)),
    /** `{{ contact.first_name }}`: a merge tag, to the first `}}`. */
    merge_tag: _ => token.immediate(prec(1, /\{\{([^}"\\\n]|\}[^}"\\\n])*\}\}/)),

    identifier: _ => /[a-z_][a-z0-9_]*/,
    integer: _ => /[0-9]+/,
    number: _ => /-?[0-9]+(\.[0-9]+)?/,
    points: _ => /[+-][0-9]+/,
    percent: _ => /[0-9]+%/,
    /** `30m`, `12h`, `4d`, `2w`. */
    duration: _ => /[0-9]+[mhdw]/,
    clock: _ => /[0-9]+:[0-9]+/,

    comment: _ => token(seq('//', /[^\n]*/)),
  },
});

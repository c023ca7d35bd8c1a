//! HubSpot's filter language as types: the filters and filter branches of
//! list branches, enrollment criteria, goals and lists (`PublicPropertyFilter`,
//! `PublicInListFilter`, `PublicOrFilterBranch`, `PublicAndFilterBranch` and
//! `PublicUnifiedEventsFilterBranch` in the SDK's `shared.ts`). A list
//! branch's filter is serialized field by field into its workflow's text,
//! not built as a `serde_json::Value` tree (an IndexMap hashed with SipHash
//! per object). Fields are declared in the order the output has always
//! written them.

use serde::Serialize;
use serde_json::{json, Value};

/// A filter (`filters[]`) or a filter branch (`filterBranches[]`) of an
/// AND group: event filters are branches.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Atom {
    Filter(Filter),
    Branch(FilterBranch),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "filterType")]
pub(super) enum Filter {
    #[serde(rename = "PROPERTY")]
    Property {
        property: String,
        operation: Operation,
    },
    #[serde(rename = "IN_LIST")]
    InList {
        #[serde(rename = "listId")]
        list_id: String,
        operator: &'static str,
    },
}

/// What a property filter tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub(super) enum Operation {
    Compare(Comparison),
    /// A point in time (`reentry after`): one per workflow, kept as the
    /// tree its few fields make.
    TimePoint(Value),
}

/// A comparison with one value (`BOOL`, `NUMBER`) or with a list of them
/// (`MULTISTRING`, `ENUMERATION`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Comparison {
    operation_type: &'static str,
    operator: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<Vec<String>>,
    include_objects_with_no_value_set: bool,
}

impl Operation {
    /// A boolean property `IS_EQUAL_TO` `value`.
    pub(super) fn boolean(value: bool, include_unset: bool) -> Operation {
        Operation::Compare(Comparison {
            operation_type: "BOOL",
            operator: "IS_EQUAL_TO",
            value: Some(Value::Bool(value)),
            values: None,
            include_objects_with_no_value_set: include_unset,
        })
    }

    /// A number property compared with `value` (a JSON number).
    pub(super) fn number(operator: &'static str, value: Value, include_unset: bool) -> Operation {
        Operation::Compare(Comparison {
            operation_type: "NUMBER",
            operator,
            value: Some(value),
            values: None,
            include_objects_with_no_value_set: include_unset,
        })
    }

    /// A text (`MULTISTRING`) or enumeration (`ENUMERATION`) property
    /// compared with a list of values.
    pub(super) fn values(
        operation_type: &'static str,
        operator: &'static str,
        values: Vec<String>,
        include_unset: bool,
    ) -> Operation {
        Operation::Compare(Comparison {
            operation_type,
            operator,
            value: None,
            values: Some(values),
            include_objects_with_no_value_set: include_unset,
        })
    }

    /// A text property equals one of `values` (`equal`), or none of them.
    pub(super) fn text(values: Vec<String>, equal: bool) -> Operation {
        let operator = if equal {
            "IS_EQUAL_TO"
        } else {
            "IS_NOT_EQUAL_TO"
        };
        Operation::values("MULTISTRING", operator, values, !equal)
    }

    /// An enumeration's value is (`inside`) or is not one of `values`.
    pub(super) fn enumeration(values: Vec<String>, inside: bool) -> Operation {
        let operator = if inside { "IS_ANY_OF" } else { "IS_NONE_OF" };
        Operation::values("ENUMERATION", operator, values, !inside)
    }
}

pub(super) fn property_filter(property: &str, operation: Operation) -> Filter {
    Filter::Property {
        property: property.to_string(),
        operation,
    }
}

pub(super) fn in_list(id: &str, member: bool) -> Filter {
    Filter::InList {
        list_id: id.to_string(),
        operator: if member { "IN_LIST" } else { "NOT_IN_LIST" },
    }
}

/// An OR branch, an AND group of one, or an event branch: their fields
/// are one list, the event's left out of the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FilterBranch {
    filter_branch_type: &'static str,
    filter_branch_operator: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_type_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<&'static str>,
    filters: Vec<Filter>,
    filter_branches: Vec<FilterBranch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pruning_refine_by: Option<PruningWindow>,
}

impl FilterBranch {
    /// The event `event_type` happened (`positive`) or did not, with
    /// `filters` on its properties.
    pub(super) fn event(event_type: String, positive: bool, filters: Vec<Filter>) -> FilterBranch {
        FilterBranch {
            filter_branch_type: "UNIFIED_EVENTS",
            filter_branch_operator: "AND",
            event_type_id: Some(event_type),
            operator: Some(if positive {
                "HAS_COMPLETED"
            } else {
                "HAS_NOT_COMPLETED"
            }),
            filters,
            filter_branches: Vec::new(),
            pruning_refine_by: None,
        }
    }

    /// Narrows an event branch to the events of the last `amount` units.
    pub(super) fn within(&mut self, unit: &'static str, amount: u64) {
        let offset = |amount| Offset {
            amount,
            offset_direction: "PAST",
            time_unit: unit,
        };
        self.pruning_refine_by = Some(PruningWindow {
            kind: "RELATIVE_RANGED",
            range_type: "BETWEEN",
            lower_bound_offset: offset(amount),
            upper_bound_offset: offset(0),
        });
    }

    /// The tree of this branch, for a document still built as one.
    pub(super) fn tree(&self) -> Value {
        json!(self)
    }
}

/// The relative window "the last `amount` units" of an event branch.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct PruningWindow {
    #[serde(rename = "type")]
    kind: &'static str,
    range_type: &'static str,
    lower_bound_offset: Offset,
    upper_bound_offset: Offset,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Offset {
    amount: u64,
    offset_direction: &'static str,
    time_unit: &'static str,
}

/// `(unit, amount)` of a time window: list filters count windows in DAYS or
/// WEEKS only, so a window of part of a day has none.
pub(super) fn window_unit(d: crate::ir::Duration) -> Option<(&'static str, u64)> {
    const DAY: u64 = 86_400;
    let s = d.seconds;
    if s == 0 || s % DAY != 0 {
        None
    } else if s % (7 * DAY) == 0 {
        Some(("WEEKS", s / (7 * DAY)))
    } else {
        Some(("DAYS", s / DAY))
    }
}

/// The OR of AND groups: each group's filters, then its event branches.
pub(super) fn or_branch(groups: Vec<Vec<Atom>>) -> FilterBranch {
    let groups = groups
        .into_iter()
        .map(|group| {
            let (mut filters, mut branches) = (Vec::new(), Vec::new());
            for atom in group {
                match atom {
                    Atom::Filter(f) => filters.push(f),
                    Atom::Branch(b) => branches.push(b),
                }
            }
            FilterBranch {
                filter_branch_type: "AND",
                filter_branch_operator: "AND",
                event_type_id: None,
                operator: None,
                filters,
                filter_branches: branches,
                pruning_refine_by: None,
            }
        })
        .collect();
    FilterBranch {
        filter_branch_type: "OR",
        filter_branch_operator: "OR",
        event_type_id: None,
        operator: None,
        filters: Vec::new(),
        filter_branches: groups,
        pruning_refine_by: None,
    }
}

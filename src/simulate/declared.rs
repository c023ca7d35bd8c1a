//! A lead file against the project's declared properties: with a
//! `properties` block, every property the lead has (at entry, in `changes`
//! and in `reactions`) must be declared and hold a value of its type, as in
//! the campaign's own conditions; without one, anything goes.

use super::lead::{Lead, LeadError, Outcome};
use crate::ir::{self, PropertyType, Value};
use std::collections::BTreeMap;

pub(crate) fn check(project: &ir::Project, lead: &Lead) -> Result<(), LeadError> {
    if project.properties.is_none() {
        return Ok(());
    }
    let mut scalars: Vec<(String, &BTreeMap<String, Value>)> =
        vec![("properties".to_string(), &lead.properties)];
    let mut lists: Vec<(String, &BTreeMap<String, Vec<String>>)> =
        vec![("properties".to_string(), &lead.lists)];
    for (i, c) in lead.changes.iter().enumerate() {
        scalars.push((format!("changes[{i}].properties"), &c.properties));
        lists.push((format!("changes[{i}].properties"), &c.lists));
    }
    for (i, r) in lead.reactions.iter().enumerate() {
        if let Outcome::Properties(p) = &r.outcome {
            scalars.push((format!("reactions[{i}].properties"), p));
        }
    }
    for (field, values) in scalars {
        for (name, value) in values {
            let ty = declared(project, &field, name)?;
            check_value(ty, value).map_err(|m| LeadError::new(format!("{field}.{name}"), m))?;
        }
    }
    for (field, values) in lists {
        for name in values.keys() {
            let ty = declared(project, &field, name)?;
            if *ty != PropertyType::TextList {
                return Err(LeadError::new(
                    format!("{field}.{name}"),
                    format!("declared `{}`, not `list of text`", ty.describe()),
                ));
            }
        }
    }
    Ok(())
}

fn declared<'p>(
    project: &'p ir::Project,
    field: &str,
    name: &str,
) -> Result<&'p PropertyType, LeadError> {
    project.property_type(name).ok_or_else(|| {
        LeadError::new(
            format!("{field}.{name}"),
            "not a declared property (the project has a `properties` block)",
        )
    })
}

fn check_value(ty: &PropertyType, value: &Value) -> Result<(), String> {
    let fits = matches!(
        (ty, value),
        (PropertyType::Text | PropertyType::Enum(_), Value::String(_))
            | (PropertyType::Number, Value::Number(_))
            | (PropertyType::Bool, Value::Bool(_))
    );
    if !fits {
        return Err(format!("declared `{}`", ty.describe()));
    }
    if let (PropertyType::Enum(values), Value::String(s)) = (ty, value) {
        if !values.contains(s) {
            return Err(format!(
                "\"{s}\" is not one of the declared values of `{}`",
                ty.describe()
            ));
        }
    }
    Ok(())
}

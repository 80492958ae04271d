//! Which row applies to a pair: the rows between the two classes whose conditions hold, or what
//! is missing to choose one, or that the table has none.

use undermap_core::PressureClass;

use super::{ClearanceTable, Direction, Rule, UtilityClass};

/// One side of a pair, as the table's conditions read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Side<'a> {
    /// Its class.
    pub class: UtilityClass,
    /// How a report names it: `the planned route`, a feature id.
    pub name: &'a str,
    /// Diameter, mm.
    pub diameter_mm: Option<f64>,
    /// Gas pressure class.
    pub pressure: Option<PressureClass>,
    /// Voltage, kV.
    pub voltage_kv: Option<f64>,
}

/// What the table requires of a pair.
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement<'t> {
    /// This distance, by this row (the largest when several hold).
    Clearance(&'t Rule),
    /// The row depends on an attribute that is not recorded; `smallest` is the least distance
    /// any candidate row asks (keeping less fails whatever the attribute is).
    Missing {
        /// What is missing, e.g. `pressure_class of g-17`.
        attribute: String,
        /// The smallest distance of the candidate rows, m.
        smallest: f64,
    },
    /// No row covers the pair (or these values of it).
    NoRule(String),
}

impl<'t> Requirement<'t> {
    /// The distance below which the pair fails whatever is missing, if any.
    #[must_use]
    pub fn fails_below(&self) -> Option<f64> {
        match self {
            Self::Clearance(rule) => Some(rule.clearance_m),
            Self::Missing { smallest, .. } => Some(*smallest),
            Self::NoRule(_) => None,
        }
    }

    /// The row, when one applies.
    #[must_use]
    pub fn rule(&self) -> Option<&'t Rule> {
        match self {
            Self::Clearance(rule) => Some(rule),
            _ => None,
        }
    }
}

/// Whether a row's conditions hold for a pair: `Ok(true/false)`, or the attribute it needs.
fn holds(rule: &Rule, a: &Side<'_>, b: &Side<'_>) -> Result<bool, String> {
    // When both sides are of the condition's class, the row holds if it holds for either (the
    // larger requirement wins later).
    let sides = |of: UtilityClass| [a, b].into_iter().filter(move |s| s.class == of);
    let mut any_missing = None;
    let mut check =
        |of: UtilityClass, name: &str, test: &dyn Fn(&Side<'_>) -> Option<bool>| -> bool {
            let mut result = false;
            let mut missing = None;
            for s in sides(of) {
                match test(s) {
                    Some(true) => result = true,
                    Some(false) => {}
                    None => missing = Some(format!("{name} of {}", s.name)),
                }
            }
            if !result {
                if let Some(m) = missing {
                    any_missing = Some(m);
                }
            }
            result
        };
    let mut ok = true;
    if let Some(c) = &rule.diameter_mm {
        ok &= check(c.of, "diameter_mm", &|s| s.diameter_mm.map(|d| c.holds(d)));
    }
    if let Some(c) = &rule.voltage_kv {
        ok &= check(c.of, "voltage_kv", &|s| s.voltage_kv.map(|v| c.holds(v)));
    }
    if let Some(c) = &rule.pressure {
        ok &= check(c.of, "pressure_class", &|s| {
            s.pressure.map(|p| c.is.contains(&p))
        });
    }
    match any_missing {
        Some(m) if !ok => Err(m),
        _ => Ok(ok),
    }
}

impl ClearanceTable {
    /// What the table requires between `a` and `b` in `direction`.
    #[must_use]
    pub fn requirement(&self, direction: Direction, a: &Side<'_>, b: &Side<'_>) -> Requirement<'_> {
        let candidates: Vec<&Rule> = self
            .rules(direction)
            .iter()
            .filter(|r| r.is_between(a.class, b.class))
            .collect();
        let pair = format!("{}–{}", a.class, b.class);
        if candidates.is_empty() {
            return Requirement::NoRule(format!(
                "no {} rule for {pair} in the loaded table (version {})",
                direction.as_str(),
                self.version
            ));
        }
        let mut best: Option<&Rule> = None;
        let mut missing = None;
        for rule in &candidates {
            match holds(rule, a, b) {
                Ok(true) => {
                    if best.is_none_or(|b| rule.clearance_m > b.clearance_m) {
                        best = Some(rule);
                    }
                }
                Ok(false) => {}
                Err(attribute) => missing = Some(attribute),
            }
        }
        // A missing attribute could pick a larger row than the one that holds.
        if let Some(attribute) = missing {
            let smallest = candidates
                .iter()
                .map(|r| r.clearance_m)
                .fold(f64::INFINITY, f64::min);
            return Requirement::Missing {
                attribute,
                smallest,
            };
        }
        match best {
            Some(rule) => Requirement::Clearance(rule),
            None => Requirement::NoRule(format!(
                "no {} rule for {pair} with {} in the loaded table (version {})",
                direction.as_str(),
                describe(a, b),
                self.version
            )),
        }
    }
}

fn describe(a: &Side<'_>, b: &Side<'_>) -> String {
    let mut parts = Vec::new();
    for s in [a, b] {
        if let Some(d) = s.diameter_mm {
            parts.push(format!("{} d = {d} mm", s.name));
        }
        if let Some(p) = s.pressure {
            parts.push(format!("{} pressure {p}", s.name));
        }
        if let Some(v) = s.voltage_kv {
            parts.push(format!("{} {v} kV", s.name));
        }
    }
    if parts.is_empty() {
        "these values".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact figures from the table
mod tests {
    use super::*;

    fn side(class: UtilityClass, name: &str) -> Side<'_> {
        Side {
            class,
            name,
            diameter_mm: None,
            pressure: None,
            voltage_kv: None,
        }
    }

    #[test]
    fn rows_are_chosen_by_the_other_sides_attributes() {
        let t = ClearanceTable::builtin();
        let sewer = side(UtilityClass::Drainage, "the planned route");
        let mut water = side(UtilityClass::Water, "w-1");
        let h = Direction::Horizontal;
        assert!(matches!(
            t.requirement(h, &sewer, &water),
            Requirement::Missing { ref attribute, smallest } if attribute == "diameter_mm of w-1" && (smallest - 1.0).abs() < 1e-9
        ));
        water.diameter_mm = Some(200.0);
        assert_eq!(
            t.requirement(h, &sewer, &water).rule().unwrap().clearance_m,
            1.0
        );
        water.diameter_mm = Some(200.5);
        assert_eq!(
            t.requirement(h, &water, &sewer).rule().unwrap().clearance_m,
            1.5
        );

        let mut gas = side(UtilityClass::Gas, "g-1");
        for (p, m) in [
            (PressureClass::Low, 1.0),
            (PressureClass::MediumB, 1.2),
            (PressureClass::MediumA, 1.2),
            (PressureClass::SubHighB, 1.5),
            (PressureClass::SubHighA, 2.0),
        ] {
            gas.pressure = Some(p);
            assert_eq!(
                t.requirement(h, &sewer, &gas).rule().unwrap().clearance_m,
                m
            );
        }
        gas.pressure = Some(PressureClass::HighA);
        let Requirement::NoRule(why) = t.requirement(h, &sewer, &gas) else {
            panic!("high pressure has no row")
        };
        assert!(why.contains("g-1 pressure high_a"), "{why}");

        let heat = side(UtilityClass::Heat, "h-1");
        let Requirement::NoRule(why) = t.requirement(h, &water, &heat) else {
            panic!("no water–heat row")
        };
        assert!(
            why.contains("no horizontal rule for water–heat in the loaded table"),
            "{why}"
        );
    }
}

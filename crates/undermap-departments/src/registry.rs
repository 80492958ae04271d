//! The one list of departments and the layers they deliver into, in the order the command
//! line, the OpenAPI document and error messages list them.

use undermap_core::LayerCategory;

use crate::Department;

/// A layer of the map and the department that delivers it.
#[derive(Debug)]
pub struct Layer {
    /// Its title, in English and Chinese.
    pub title: &'static str,
    /// What it holds, which decides how an excavation check judges it.
    pub category: LayerCategory,
    /// Whose deliveries load into it.
    pub department: &'static Department,
}

impl Layer {
    /// Its id, as stored and in URLs: the layer its department delivers into.
    #[must_use]
    pub fn id(&self) -> &'static str {
        self.department.layer
    }
}

/// Every layer, with its department. Adding a department: a module, and a line here.
pub static LAYERS: &[Layer] = &[
    Layer {
        title: "Water supply (给水)",
        category: LayerCategory::Network,
        department: &crate::water::DEPARTMENT,
    },
    Layer {
        title: "Gas (燃气)",
        category: LayerCategory::Network,
        department: &crate::gas::DEPARTMENT,
    },
    Layer {
        title: "Power (电力)",
        category: LayerCategory::Network,
        department: &crate::power::DEPARTMENT,
    },
    Layer {
        title: "Drainage and sewer (排水)",
        category: LayerCategory::Network,
        department: &crate::drainage::DEPARTMENT,
    },
    Layer {
        title: "Planning red lines and zones (规划)",
        category: LayerCategory::Planning,
        department: &crate::planning::DEPARTMENT,
    },
    Layer {
        title: "Telecommunications (通信)",
        category: LayerCategory::Network,
        department: &crate::telecom::DEPARTMENT,
    },
    Layer {
        title: "Historical incidents (历史灾害事件)",
        category: LayerCategory::Thematic,
        department: &crate::resilience::INCIDENTS,
    },
    Layer {
        title: "Emergency resources (应急资源)",
        category: LayerCategory::Thematic,
        department: &crate::resilience::RESOURCES,
    },
    Layer {
        title: "Street centrelines (道路中心线)",
        category: LayerCategory::Thematic,
        department: &crate::resilience::STREETS,
    },
    Layer {
        title: "Water precaution zones (给水管线保护区)",
        category: LayerCategory::Thematic,
        department: &crate::precautions::WATER,
    },
    Layer {
        title: "Gas precaution zones (燃气管线保护区)",
        category: LayerCategory::Thematic,
        department: &crate::precautions::GAS,
    },
    Layer {
        title: "Power precaution zones (电力管线保护区)",
        category: LayerCategory::Thematic,
        department: &crate::precautions::POWER,
    },
    Layer {
        title: "Drainage precaution zones (排水管线保护区)",
        category: LayerCategory::Thematic,
        department: &crate::precautions::DRAINAGE,
    },
    Layer {
        title: "Telecommunications precaution zones (通信管线保护区)",
        category: LayerCategory::Thematic,
        department: &crate::precautions::TELECOM,
    },
];

/// The layer `id`, if the registry has it.
#[must_use]
pub fn layer(id: &str) -> Option<&'static Layer> {
    LAYERS.iter().find(|l| l.id() == id)
}

/// The department named `name` (the command line's and `POST /v1/deliveries`' name).
#[must_use]
pub fn department(name: &str) -> Option<&'static Department> {
    LAYERS.iter().map(|l| l.department).find(|d| d.name == name)
}

/// Every department, in registry order.
pub fn departments() -> impl Iterator<Item = &'static Department> {
    LAYERS.iter().map(|l| l.department)
}

/// The ids of the layers of `category`, in registry order.
pub fn ids_of(category: LayerCategory) -> impl Iterator<Item = &'static str> {
    LAYERS
        .iter()
        .filter(move |l| l.category == category)
        .map(Layer::id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_ids_and_department_names_are_unique() {
        let mut ids = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for l in LAYERS {
            assert!(ids.insert(l.id()), "{} twice", l.id());
            assert!(
                names.insert(l.department.name),
                "{} twice",
                l.department.name
            );
            assert!(
                l.id().parse::<undermap_core::LayerId>().is_ok(),
                "{}",
                l.id()
            );
        }
        assert_eq!(department("gas").map(|d| d.layer), Some("gas"));
        assert!(layer("heat").is_none());
    }
}

//! What each category of project must hand over, and what one project still owes: the code
//! lists of project and file categories (GB/T 50328-2019, kept as data in
//! `data/file_categories.toml`) and a project's checklist against the files received.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ArchiveError;

/// A category of file (竣工图, 隐蔽工程验收记录, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileCategory {
    /// Its code (`as_built_drawings`): what uploads name.
    pub code: String,
    /// Its name in Chinese.
    pub name: String,
    /// Its name in English.
    pub name_en: String,
    /// The standard's group: A preparation, B supervision, C construction, D as-built
    /// drawings, E completion acceptance.
    pub group: String,
}

/// A category of construction project and the files it owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectCategory {
    /// Its code (`municipal_pipeline`).
    pub code: String,
    /// Its name in Chinese.
    pub name: String,
    /// Its name in English.
    pub name_en: String,
    /// File categories a complete hand-over holds.
    pub required: Vec<String>,
    /// File categories it may also hand over.
    #[serde(default)]
    pub optional: Vec<String>,
    /// File categories that must be in before the project is filed.
    #[serde(default)]
    pub before_filing: Vec<String>,
}

/// The code lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Every file category.
    #[serde(rename = "file_category")]
    pub file_categories: Vec<FileCategory>,
    /// Every project category.
    #[serde(rename = "project_category")]
    pub project_categories: Vec<ProjectCategory>,
}

/// The code lists undermap ships with.
pub const DEFAULT_CATALOGUE: &str = include_str!("../data/file_categories.toml");

impl Catalogue {
    /// Reads code lists written as `data/file_categories.toml` is, and checks that every file
    /// category a project category names exists.
    pub fn parse(text: &str) -> Result<Self, ArchiveError> {
        let catalogue: Self = toml::from_str(text)
            .map_err(|e| ArchiveError::Invalid(format!("the archive code lists: {e}")))?;
        let mut codes = BTreeSet::new();
        for f in &catalogue.file_categories {
            if !codes.insert(f.code.as_str()) {
                return Err(ArchiveError::Invalid(format!(
                    "the archive code lists name file category {:?} twice",
                    f.code
                )));
            }
        }
        let mut projects = BTreeSet::new();
        for p in &catalogue.project_categories {
            if !projects.insert(p.code.as_str()) {
                return Err(ArchiveError::Invalid(format!(
                    "the archive code lists name project category {:?} twice",
                    p.code
                )));
            }
            let named = p.required.iter().chain(&p.optional).chain(&p.before_filing);
            if let Some(unknown) = named.into_iter().find(|c| !codes.contains(c.as_str())) {
                return Err(ArchiveError::Invalid(format!(
                    "project category {:?} names file category {unknown:?}, which is not listed",
                    p.code
                )));
            }
        }
        Ok(catalogue)
    }

    /// The shipped code lists.
    ///
    /// # Panics
    /// Never: the shipped file is parsed by a unit test.
    #[must_use]
    pub fn builtin() -> Self {
        Self::parse(DEFAULT_CATALOGUE).expect("the shipped code lists are valid (tested)")
    }

    /// The project category with this code, or an error listing the known ones.
    pub fn project_category(&self, code: &str) -> Result<&ProjectCategory, ArchiveError> {
        self.project_categories
            .iter()
            .find(|p| p.code == code)
            .ok_or_else(|| {
                ArchiveError::Invalid(format!(
                    "unknown project category {code:?}; known: {}",
                    self.project_categories
                        .iter()
                        .map(|p| p.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// The file category with this code, if a project of `project` may hand it over; else an
    /// error listing what it may hand over.
    pub fn file_category_for(
        &self,
        project: &ProjectCategory,
        code: &str,
    ) -> Result<&FileCategory, ArchiveError> {
        let allowed = || project.required.iter().chain(&project.optional);
        if allowed().any(|c| c == code) {
            if let Some(f) = self.file_categories.iter().find(|f| f.code == code) {
                return Ok(f);
            }
        }
        Err(ArchiveError::Invalid(format!(
            "a {} project does not hand over files of category {code:?}; its categories are: {}",
            project.code,
            allowed().map(String::as_str).collect::<Vec<_>>().join(", ")
        )))
    }

    /// What a project of `project` has received and still owes, given how many files of each
    /// category it holds.
    #[must_use]
    pub fn checklist(
        &self,
        project: &ProjectCategory,
        received: &BTreeMap<String, u64>,
    ) -> Checklist {
        let item = |code: &String, required: bool| {
            let category = self.file_categories.iter().find(|f| &f.code == code);
            ChecklistItem {
                category: code.clone(),
                name: category.map(|c| c.name.clone()).unwrap_or_default(),
                name_en: category.map(|c| c.name_en.clone()).unwrap_or_default(),
                required,
                files: received.get(code).copied().unwrap_or(0),
            }
        };
        let items: Vec<ChecklistItem> = project
            .required
            .iter()
            .map(|c| item(c, true))
            .chain(project.optional.iter().map(|c| item(c, false)))
            .collect();
        let missing = items
            .iter()
            .filter(|i| i.required && i.files == 0)
            .map(|i| i.category.clone())
            .collect();
        let received = items
            .iter()
            .filter(|i| i.files > 0)
            .map(|i| i.category.clone())
            .collect();
        Checklist {
            items,
            received,
            missing,
        }
    }
}

/// One line of a checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    /// The file category's code.
    pub category: String,
    /// Its Chinese name.
    pub name: String,
    /// Its English name.
    pub name_en: String,
    /// Whether a complete hand-over holds it.
    pub required: bool,
    /// How many files of it the archive holds.
    pub files: u64,
}

/// A project's files against what its category owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checklist {
    /// Every category it owes or may hand over, required first.
    pub items: Vec<ChecklistItem>,
    /// The categories it has files of.
    pub received: Vec<String>,
    /// The required categories it has no file of.
    pub missing: Vec<String>,
}

impl Checklist {
    /// Whether every required category is in.
    #[must_use]
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lists_hold_together() {
        let c = Catalogue::builtin();
        let pipeline = c.project_category("municipal_pipeline").unwrap();
        assert!(pipeline
            .required
            .contains(&"pipeline_as_built_survey".to_owned()));
        assert!(c
            .project_category("bakery")
            .unwrap_err()
            .to_string()
            .contains("road"));
        let e = c
            .file_category_for(pipeline, "menu")
            .unwrap_err()
            .to_string();
        assert!(e.contains("as_built_drawings"), "{e}");
        assert_eq!(
            c.file_category_for(pipeline, "as_built_drawings")
                .unwrap()
                .name,
            "竣工图"
        );
    }

    #[test]
    fn a_checklist_names_what_is_missing() {
        let c = Catalogue::builtin();
        let pipeline = c.project_category("municipal_pipeline").unwrap();
        let mut received = BTreeMap::new();
        let empty = c.checklist(pipeline, &received);
        assert_eq!(empty.missing.len(), pipeline.required.len());
        for code in &pipeline.required {
            received.insert(code.clone(), 1);
        }
        received.insert("photos_and_video".into(), 3);
        let full = c.checklist(pipeline, &received);
        assert!(full.complete());
        assert_eq!(full.received.len(), pipeline.required.len() + 1);
        received.remove("hidden_works_records");
        assert_eq!(
            c.checklist(pipeline, &received).missing,
            ["hidden_works_records"]
        );
    }

    #[test]
    fn bad_code_lists_are_refused() {
        let bad = DEFAULT_CATALOGUE.replace("\"test_reports\", \"as_built_drawings\"", "\"tests\"");
        let e = Catalogue::parse(&bad).unwrap_err().to_string();
        assert!(e.contains("\"tests\""), "{e}");
        assert!(Catalogue::parse("file_category = 3").is_err());
    }
}

//! Operations grouped by tag. An operation is listed under every tag it carries but documented
//! in full once, under its first tag, so each has one heading and one anchor.

use std::collections::HashMap;

use crate::model::Spec;

/// Operations grouped by tag, for the table of contents and the sections.
pub(crate) struct Grouping {
    /// Tag groups in tag order (untagged operations last, under "Default"); each lists every
    /// operation carrying the tag, in spec order.
    pub groups: Vec<(String, Vec<usize>)>,
    /// For each operation, the group it is documented in full under: its first tag's. Under
    /// its other tags it gets a link there, so each operation has one heading and one anchor.
    pub home: Vec<usize>,
}

impl Grouping {
    /// Operations documented in full under group `g`.
    pub fn documented(&self, g: usize) -> impl Iterator<Item = usize> + '_ {
        self.groups[g]
            .1
            .iter()
            .copied()
            .filter(move |&i| self.home[i] == g)
    }

    /// Operations listed under group `g` but documented under another tag.
    pub fn elsewhere(&self, g: usize) -> impl Iterator<Item = usize> + '_ {
        self.groups[g]
            .1
            .iter()
            .copied()
            .filter(move |&i| self.home[i] != g)
    }
}

/// Groups operations under every tag they carry; untagged ones go last under "Default".
pub(crate) fn group_by_tag(spec: &Spec) -> Grouping {
    let mut groups: Vec<(String, Vec<usize>)> = spec
        .tags
        .iter()
        .map(|t| (t.name.clone(), Vec::new()))
        .collect();
    let positions: HashMap<&str, usize> = spec
        .tags
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut home = vec![usize::MAX; spec.operations.len()];
    let mut untagged = Vec::new();
    for (i, op) in spec.operations.iter().enumerate() {
        for t in &op.tags {
            let Some(&g) = positions.get(t.as_str()) else {
                continue;
            };
            // A tag listed twice on one operation lists it once.
            if groups[g].1.last() != Some(&i) {
                groups[g].1.push(i);
            }
            if home[i] == usize::MAX {
                home[i] = g;
            }
        }
        if home[i] == usize::MAX {
            untagged.push(i);
        }
    }
    if !untagged.is_empty() {
        let mut name = "Default".to_string();
        while groups.iter().any(|(g, _)| *g == name) {
            name.push_str(" operations");
        }
        let g = groups.len();
        for &i in &untagged {
            home[i] = g;
        }
        groups.push((name, untagged));
    }
    // Drop tags no operation carries, renumbering the homes.
    let mut renumber = vec![usize::MAX; groups.len()];
    let mut kept = Vec::with_capacity(groups.len());
    for (g, group) in groups.into_iter().enumerate() {
        if !group.1.is_empty() {
            renumber[g] = kept.len();
            kept.push(group);
        }
    }
    for h in &mut home {
        *h = renumber[*h];
    }
    Grouping { groups: kept, home }
}

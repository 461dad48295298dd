//! The front half of the pipeline, run in order: read -> parse -> lower -> check.

use crate::check::{Checked, check};
use crate::diag::Diagnostics;
use crate::ir::Project;
use crate::lower::{SettingsInput, lower, lower_target_settings};
use crate::parse::decode::Decoder;
use crate::parse::parse_config;
use crate::parse::settings::parse_settings;
use crate::read::{self, ReadError};
use crate::settings::TargetSettings;
use crate::source::SourceMap;
use std::path::Path;

/// Everything one run learned: the sources (for rendering), every diagnostic, and the checked
/// project when there were no errors.
#[derive(Debug)]
pub struct Compilation {
    pub sources: SourceMap,
    pub diagnostics: Diagnostics,
    pub project: Option<Checked<Project>>,
    /// svc.yaml's per-target settings, for the emit stage.
    pub settings: TargetSettings,
}

/// How large a file is before reading it beside another is worth a thread.
const SIDE_BY_SIDE: usize = 64 * 1024;

/// Compiles the config at `config_path` and the svc.yaml beside it, if any.
///
/// Only a file that cannot be read is an `Err`; problems in its content are diagnostics.
pub fn compile(config_path: &Path) -> Result<Compilation, ReadError> {
    let mut sources = SourceMap::default();
    let mut diagnostics = Diagnostics::default();
    let config_file = sources.add(read::load(config_path)?);
    let settings_file = match read::discover_settings(config_path) {
        Some(path) => Some(sources.add(read::load(&path)?)),
        None => None,
    };

    // A large svc.yaml is read on a second thread while vercel.json is: neither depends on the
    // other. Its diagnostics follow the config's, as if read after it.
    let large_settings = settings_file.is_some_and(|id| sources.get(id).text.len() >= SIDE_BY_SIDE);
    let source = |id| sources.get(id);
    let ((raw_settings, settings_diags), raw_config) = crate::parallel::both(
        large_settings,
        || {
            let mut diags = Diagnostics::default();
            let raw = settings_file.and_then(|id| {
                read::parse_tree(source(id), id, &mut diags)
                    .map(|tree| (id, parse_settings(&tree, &mut Decoder::new(id, &mut diags))))
            });
            (raw, diags)
        },
        || {
            read::parse_tree(source(config_file), config_file, &mut diagnostics)
                .map(|tree| parse_config(&tree, &mut Decoder::new(config_file, &mut diagnostics)))
        },
    );
    diagnostics.extend(settings_diags);

    let settings_input = || {
        raw_settings.as_ref().map(|(file, settings)| SettingsInput {
            file: *file,
            settings,
        })
    };
    let mut settings = TargetSettings::default();
    let project = raw_config.and_then(|raw| {
        let dir = config_path.parent().unwrap_or(Path::new(""));
        let project = lower(&raw, config_file, settings_input(), dir, &mut diagnostics);
        settings = lower_target_settings(settings_input(), &project, &mut diagnostics);
        check(project, &mut diagnostics)
    });
    Ok(Compilation {
        sources,
        diagnostics,
        project,
        settings,
    })
}

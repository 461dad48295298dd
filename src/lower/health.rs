//! Each service's readiness check: svc.yaml's `health`, or a default where svc knows what the
//! container holds (it built it) and that something listens.

use crate::diag::Code;
use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Command, HealthCheck, ImageSource, Probe, Service};
use crate::parse::health::{RawHealth, RawHealthCheck};
use crate::parse::raw::RawCommand;
use crate::source::FileId;

pub(super) fn decide(
    service: &Service,
    raw: Option<&RawHealth>,
    file: FileId,
    diags: &mut Diagnostics,
) -> Option<HealthCheck> {
    let built_by_svc = matches!(service.image_source(), ImageSource::Recipe(_));
    let listens = service.workload.listens();
    let check = match raw {
        Some(RawHealth::Off(_)) => return None,
        None if built_by_svc && listens => return Some(HealthCheck::with_defaults(Probe::Answers)),
        None => return None,
        Some(RawHealth::Check(check)) => check,
    };
    let probe = match (&check.command, &check.http_path) {
        (Some(command), _) => Probe::Command(match &command.value {
            RawCommand::Line(line) => Command::Line(line.clone()),
            RawCommand::Exec(words) => Command::Exec(words.clone()),
        }),
        (None, path) => {
            let refusal = if !listens {
                Some("nothing in it listens on a port")
            } else if !built_by_svc {
                Some(
                    "svc did not build its image, so it cannot know which tool there can make the request",
                )
            } else {
                None
            };
            if let Some(why) = refusal {
                let span = path.as_ref().map_or(check.span, |p| p.span);
                diags.push(
                    Diagnostic::error(
                        Code::UnprobeableService,
                        format!("`{}` asks for an HTTP check of `{}`, but {why}", check.path, service.name),
                    )
                    .key(check.path.as_str())
                    .at(file, span, "an HTTP check")
                    .help("give `command`: what to run in the container, exit 0 when healthy (e.g. `[\"curl\", \"-fsS\", \"http://127.0.0.1:8080/healthz\"]`), or write `health: false`"),
                );
                return None;
            }
            path.as_ref()
                .map_or(Probe::Answers, |p| Probe::Path(p.value.clone()))
        }
    };
    Some(timed(probe, check))
}

/// svc.yaml's timings, each defaulted.
fn timed(probe: Probe, check: &RawHealthCheck) -> HealthCheck {
    let defaults = HealthCheck::with_defaults(probe);
    let seconds = |field: &Option<crate::parse::decode::Spanned<u64>>, default: u32| {
        field.as_ref().map_or(default, |v| v.value as u32)
    };
    HealthCheck {
        interval: seconds(&check.interval, defaults.interval),
        timeout: seconds(&check.timeout, defaults.timeout),
        retries: seconds(&check.retries, defaults.retries),
        start_period: seconds(&check.start_period, defaults.start_period),
        probe: defaults.probe,
    }
}

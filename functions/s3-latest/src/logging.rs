//! Log output for the binaries: Lambda's advanced logging controls, in the
//! format `lambda_runtime`'s default subscriber writes (no timestamp, no
//! target; Lambda stamps each line).
//!
//! It replaces that subscriber because the subscriber parses `RUST_LOG` with
//! `EnvFilter`, which links a regex engine and its Unicode tables into each
//! function: about 0.6 MB of a 7.9 MB binary, for a filter that only ever
//! holds levels and target names. [`Targets`] parses those without regex.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{Env, ProcessEnv};

/// Installs the process-wide subscriber, writing to stdout. JSON when
/// `AWS_LAMBDA_LOG_FORMAT=JSON` (the modules set it), text otherwise.
pub fn init() {
    let json = ProcessEnv
        .var("AWS_LAMBDA_LOG_FORMAT")
        .is_some_and(|f| f.eq_ignore_ascii_case("json"));
    let format = tracing_subscriber::fmt::layer().with_target(false).without_time();
    let registry = tracing_subscriber::registry().with(filter(&ProcessEnv));
    if json {
        registry.with(format.json()).init();
    } else {
        registry.with(format).init();
    }
}

/// What gets logged:
/// * `AWS_LAMBDA_LOG_LEVEL` (set by Lambda from the function's logging
///   config), one level for every target. Lambda's `FATAL` is `ERROR` here,
///   the most severe level `tracing` has.
/// * otherwise `RUST_LOG` in `level,target=level` form, e.g.
///   `info,s3_latest=debug`;
/// * otherwise, or when the value does not parse, `INFO`.
pub fn filter(env: &dyn Env) -> Targets {
    if let Some(level) = env.var("AWS_LAMBDA_LOG_LEVEL") {
        return Targets::new().with_default(lambda_level(&level).unwrap_or(LevelFilter::INFO));
    }
    env.var("RUST_LOG")
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

fn lambda_level(level: &str) -> Option<LevelFilter> {
    if level.eq_ignore_ascii_case("fatal") {
        return Some(LevelFilter::ERROR);
    }
    level.parse().ok()
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    }

    fn logs(filter: &Targets, target: &str, level: Level) -> bool {
        filter.would_enable(target, &level)
    }

    #[test]
    fn lambda_log_level_wins_over_rust_log() {
        let filter = filter(&env(&[("AWS_LAMBDA_LOG_LEVEL", "WARN"), ("RUST_LOG", "debug")]));
        assert!(logs(&filter, "s3_latest::store", Level::WARN));
        assert!(!logs(&filter, "s3_latest::store", Level::INFO));
    }

    #[test]
    fn lambda_fatal_keeps_errors_only() {
        let filter = filter(&env(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")]));
        assert!(logs(&filter, "s3_latest", Level::ERROR));
        assert!(!logs(&filter, "s3_latest", Level::WARN));
    }

    #[test]
    fn rust_log_takes_per_target_levels() {
        let filter = filter(&env(&[("RUST_LOG", "warn,s3_latest=debug")]));
        assert!(logs(&filter, "s3_latest::pointer", Level::DEBUG));
        assert!(!logs(&filter, "aws_smithy_runtime", Level::INFO));
        assert!(logs(&filter, "aws_smithy_runtime", Level::WARN));
    }

    #[test]
    fn info_when_unset_or_unparsable() {
        for vars in [
            &[][..],
            &[("RUST_LOG", "s3_latest=loud")][..],
            &[("AWS_LAMBDA_LOG_LEVEL", "LOUD")][..],
        ] {
            let vars: &'static [(&str, &str)] = vars;
            let filter = filter(&env(vars));
            assert!(logs(&filter, "s3_latest", Level::INFO), "{vars:?}");
            assert!(!logs(&filter, "s3_latest", Level::DEBUG), "{vars:?}");
        }
    }
}

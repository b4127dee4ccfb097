//! `stackc plan`, `apply` and `destroy`: compile the spec, then hand the ECS documents to `deploy`.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use super::{DiagnosticFormat, SpecArgs, exit, report};
use crate::compile;
use crate::deploy::{self, Clients, Desired, Options};

#[derive(clap::Args, Debug)]
pub struct AwsArgs {
    /// Send AWS calls here (an emulator); also `AWS_ENDPOINT_URL`
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
}

/// The longest `--wait-timeout`: a day (a wait longer than that is a hang).
const MAX_WAIT: u64 = 24 * 3600;

#[derive(clap::Args, Debug)]
pub struct WaitArgs {
    /// Longest wait for a service to become stable or a job to finish, in seconds (1 to 86400)
    #[arg(long, value_name = "SECONDS", default_value_t = 1200,
          value_parser = clap::value_parser!(u64).range(1..=MAX_WAIT))]
    wait_timeout: u64,
    /// Seconds between polls while waiting
    #[arg(long, value_name = "SECONDS", default_value = "5", hide = true, value_parser = poll_interval)]
    poll_interval: Duration,
}

/// A poll interval: a number of seconds from 0 to 60 (fractions allowed); never NaN or infinite.
fn poll_interval(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(0.0..=60.0).contains(&secs) {
        return Err(format!("`{text}` is not between 0 and 60 seconds"));
    }
    Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())
}

impl WaitArgs {
    fn options(&self) -> Options {
        Options {
            timeout: Duration::from_secs(self.wait_timeout),
            poll: self.poll_interval,
        }
    }
}

/// What `apply` and `destroy` take.
#[derive(clap::Args, Debug)]
pub struct ChangeArgs {
    #[command(flatten)]
    spec: SpecArgs,
    /// Do not ask
    #[arg(long)]
    yes: bool,
    /// Also delete what holds data (the EFS file system with every volume, generated passwords,
    /// the log group): without it, `apply` refuses a plan that would and `destroy` keeps them
    #[arg(long)]
    allow_data_loss: bool,
    #[command(flatten)]
    aws: AwsArgs,
    #[command(flatten)]
    wait: WaitArgs,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Apply,
    Destroy,
}

/// Compiles the spec and connects: the ECS documents and the clients, or the exit code.
fn prepare(
    spec: &SpecArgs,
    aws: &AwsArgs,
) -> Result<(Desired, tokio::runtime::Runtime, Clients), u8> {
    let source = report::read(spec, DiagnosticFormat::Human)?;
    let outcome = compile::compile(&source, spec.env.as_deref()).map_err(|e| report::usage(&e))?;
    let compiled = report::finish(&source, outcome, DiagnosticFormat::Human)?;
    // What the ECS target cannot carry (a host folder) stops a deployment as it stops a build.
    let unsupported =
        crate::targets::Target::unsupported(&crate::targets::ecs::EcsTarget, &compiled);
    if !unsupported.is_empty() {
        report::print(&source, &unsupported, DiagnosticFormat::Human);
        return Err(exit::FAILED);
    }
    let desired = Desired::from_compiled(&compiled).map_err(|e| {
        crate::tell!("error: {e}");
        exit::FAILED
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            crate::tell!("error: cannot start the async runtime: {e}");
            exit::FAILED
        })?;
    let clients = runtime
        .block_on(Clients::load(
            desired.region.as_deref(),
            aws.endpoint_url.as_deref(),
        ))
        .map_err(|e| {
            crate::tell!("error: {e}");
            exit::FAILED
        })?;
    Ok((desired, runtime, clients))
}

fn calls(clients: &Clients) -> String {
    let (all, mutating) = clients.counter.totals();
    format!("{all} API calls, {mutating} of them changes")
}

pub fn plan(spec: &SpecArgs, aws: &AwsArgs, detailed: bool, format: DiagnosticFormat) -> u8 {
    let (desired, runtime, clients) = match prepare(spec, aws) {
        Ok(p) => p,
        // With --detailed-exitcode, 2 means "changes pending": every error is 1.
        Err(_) if detailed => return exit::FAILED,
        Err(code) => return code,
    };
    let plan = match runtime.block_on(deploy::plan(&clients, &desired)) {
        Ok((_, plan)) => plan,
        Err(e) => {
            crate::tell!("error: {}", e.explain(&clients.endpoints));
            return exit::FAILED;
        }
    };
    match format {
        DiagnosticFormat::Human => crate::say_raw!("{}", plan.render_human()),
        DiagnosticFormat::Json => crate::say!(
            "{}",
            serde_json::to_string_pretty(&plan).expect("a plan serializes")
        ),
    }
    crate::tell!("plan: {}", calls(&clients));
    if !plan.problems.is_empty() {
        return exit::FAILED;
    }
    if detailed && !plan.is_empty() {
        return exit::USAGE;
    }
    exit::OK
}

pub fn apply(args: &ChangeArgs, mode: Mode) -> u8 {
    let (desired, runtime, clients) = match prepare(&args.spec, &args.aws) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let planned = runtime.block_on(async {
        match mode {
            Mode::Apply => Box::pin(deploy::plan(&clients, &desired)).await,
            Mode::Destroy => {
                Box::pin(deploy::destroy_plan(
                    &clients,
                    &desired,
                    args.allow_data_loss,
                ))
                .await
            }
        }
    });
    let (live, plan) = match planned {
        Ok(p) => p,
        Err(e) => {
            crate::tell!("error: {}", e.explain(&clients.endpoints));
            return exit::FAILED;
        }
    };
    crate::say_raw!("{}", plan.render_human());
    if !plan.problems.is_empty() {
        crate::tell!("error: the plan has problems (marked !); nothing was changed");
        return exit::FAILED;
    }
    let losses = deploy::data::losses(&plan);
    if mode == Mode::Apply && !losses.is_empty() && !args.allow_data_loss {
        crate::tell!(
            "error: the plan destroys data (marked -!); nothing was changed. It would delete:\n  {}\nPass --allow-data-loss to delete it",
            losses.join("\n  ")
        );
        return exit::FAILED;
    }
    if mode == Mode::Destroy
        && !args.allow_data_loss
        && plan.kept.iter().any(|k| k.contains("--allow-data-loss"))
    {
        crate::tell!(
            "destroy: the data is kept (marked = above); to delete it later: stackc destroy {}{} --allow-data-loss --yes",
            args.spec.spec.display(),
            args.spec
                .env
                .as_deref()
                .map(|e| format!(" --env {e}"))
                .unwrap_or_default()
        );
    }
    if plan.is_empty() {
        crate::tell!("{}: {}", verb(mode), calls(&clients));
        return exit::OK;
    }
    if !args.yes && !confirm(mode) {
        crate::tell!("{}: cancelled, nothing was changed", verb(mode));
        return exit::FAILED;
    }
    let started = std::time::Instant::now();
    let result = runtime.block_on(deploy::execute(
        &clients,
        &desired,
        &live,
        &plan,
        &args.wait.options(),
    ));
    match result {
        Ok(()) => {
            crate::tell!(
                "{}: done in {}s, {}",
                verb(mode),
                started.elapsed().as_secs(),
                calls(&clients)
            );
            exit::OK
        }
        Err(e) => {
            crate::tell!("error: {}", e.explain(&clients.endpoints));
            crate::tell!(
                "{}: stopped after {}; run it again to finish (what was done is found by its tags)",
                verb(mode),
                calls(&clients)
            );
            exit::FAILED
        }
    }
}

fn verb(mode: Mode) -> &'static str {
    match mode {
        Mode::Apply => "apply",
        Mode::Destroy => "destroy",
    }
}

/// Asks on the terminal; without one, only `--yes` goes ahead.
fn confirm(mode: Mode) -> bool {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        crate::tell!(
            "{}: stdin is not a terminal: pass --yes to go ahead",
            verb(mode)
        );
        return false;
    }
    crate::tell_raw!(
        "Do you want to {} these changes? Only 'yes' goes ahead: ",
        verb(mode)
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_intervals_are_bounded_numbers() {
        assert_eq!(poll_interval("0.05"), Ok(Duration::from_millis(50)));
        assert_eq!(poll_interval("0"), Ok(Duration::ZERO));
        for bad in ["inf", "NaN", "-1", "61", "1e300", "x"] {
            assert!(poll_interval(bad).is_err(), "{bad}");
        }
    }
}

//! Health checks.

use super::Resolver;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Health, Probe};
use crate::spec::{HealthSpec, Sp};
use crate::units::{Duration, Port};

impl Resolver<'_> {
    /// `port` is the main port if valid; `spec_port_given` tells an invalid port from a missing one.
    pub(super) fn health(
        &mut self,
        label: &str,
        spec: &Sp<HealthSpec>,
        port: Option<Port>,
        spec_port_given: bool,
    ) -> Option<Health> {
        let probe = self.probe(label, spec, port, spec_port_given);
        let interval = self.duration(spec.interval.as_ref(), Health::DEFAULT_INTERVAL, false);
        let timeout = self.duration(spec.timeout.as_ref(), Health::DEFAULT_TIMEOUT, false);
        let start_period = self.duration(spec.start_period.as_ref(), Duration::default(), true);
        let retries = match &spec.retries {
            Some(r) => match u32::try_from(*r.get()) {
                Ok(n) if (1..=100).contains(&n) => Some(n),
                _ => {
                    self.error(
                        Code::InvalidHealth,
                        format!("retries must be between 1 and 100, not {}", r.get()),
                        r.span(),
                        "invalid retries",
                    );
                    None
                }
            },
            None => Some(Health::DEFAULT_RETRIES),
        };
        Some(Health {
            probe: probe?,
            interval: interval?,
            timeout: timeout?,
            retries: retries?,
            start_period: start_period?,
        })
    }

    fn probe(
        &mut self,
        label: &str,
        spec: &Sp<HealthSpec>,
        port: Option<Port>,
        spec_port_given: bool,
    ) -> Option<Probe> {
        let given: Vec<_> = [
            spec.http.as_ref().map(|v| ("http", v.span())),
            spec.tcp.as_ref().map(|v| ("tcp", v.span())),
            spec.exec.as_ref().map(|v| ("exec", v.span())),
        ]
        .into_iter()
        .flatten()
        .collect();
        if given.len() != 1 {
            let mut d = Diagnostic::error(
                Code::InvalidHealth,
                if given.is_empty() {
                    format!("the health check of {label} says neither `http`, `tcp` nor `exec`")
                } else {
                    format!(
                        "the health check of {label} gives {} probes; it takes exactly one",
                        given.len()
                    )
                },
            );
            d = if given.is_empty() {
                d.at(spec.span(), "no probe")
            } else {
                given.iter().fold(d, |d, (kind, span)| {
                    d.at(span.clone(), format!("`{kind}` probe"))
                })
            };
            self.push(
                d.help("use one of `http = \"/healthz\"`, `tcp = <port>` or `exec = [\"cmd\", …]`"),
            );
            return None;
        }
        if let Some(path) = &spec.http {
            if !path.get().starts_with('/')
                || path
                    .get()
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control())
            {
                self.error(
                    Code::InvalidHealth,
                    format!("health path `{}` must start with `/`", path.get()),
                    path.span(),
                    "not a path",
                );
                return None;
            }
            if !self.no_placeholders("health.http", path.span(), std::slice::from_ref(path.get())) {
                return None;
            }
            let Some(port) = port else {
                if spec_port_given {
                    return None; // the port itself is invalid, and reported
                }
                self.push(
                    Diagnostic::error(
                        Code::InvalidHealth,
                        format!("{label} has an http health check but no `port`"),
                    )
                    .at(path.span(), "probed on the main port")
                    .help("add `port = …` to the service, or probe with `exec`"),
                );
                return None;
            };
            return Some(Probe::Http {
                path: path.get().clone(),
                port,
            });
        }
        if let Some(tcp) = &spec.tcp {
            return self.port(tcp).map(|port| Probe::Tcp { port });
        }
        let command = spec.exec.as_ref()?;
        if command.get().is_empty() || command.get()[0].trim().is_empty() {
            self.error(
                Code::InvalidHealth,
                "an `exec` health check needs a command",
                command.span(),
                "empty command",
            );
            return None;
        }
        self.exec_arguments("health.exec", command.span(), command.get())
            .then(|| Probe::Exec {
                command: command.get().clone(),
            })
    }

    fn duration(
        &mut self,
        value: Option<&Sp<String>>,
        default: Duration,
        zero_ok: bool,
    ) -> Option<Duration> {
        let Some(value) = value else {
            return Some(default);
        };
        let d: Duration = self.parse(value, Code::InvalidDuration, "duration")?;
        if d.as_millis() == 0 && !zero_ok {
            self.push(
                Diagnostic::error(
                    Code::InvalidDuration,
                    "this duration must be longer than zero",
                )
                .at(value.span(), "zero"),
            );
            return None;
        }
        Some(d)
    }
}

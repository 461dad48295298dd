//! Request cases for a running gateway: what to send and what must come back.

use super::gateway::Gateway;
use super::http::{Response, request};

/// One request and what must come back.
pub struct Case {
    method: &'static str,
    target: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    expect: Expect,
    with_headers: Vec<(&'static str, &'static str)>,
    without_headers: Vec<&'static str>,
}

pub enum Expect {
    /// Proxied to this service, which saw exactly this request URI.
    Service(&'static str, &'static str),
    Redirect(u16, &'static str),
    /// Answered by the gateway itself.
    Status(u16),
}

pub fn get(target: &'static str) -> Case {
    Case {
        method: "GET",
        target,
        headers: Vec::new(),
        expect: Expect::Status(0),
        with_headers: Vec::new(),
        without_headers: Vec::new(),
    }
}

impl Case {
    pub fn method(mut self, method: &'static str) -> Self {
        self.method = method;
        self
    }
    pub fn header(mut self, key: &'static str, value: &'static str) -> Self {
        self.headers.push((key, value));
        self
    }
    pub fn routes_to(mut self, service: &'static str, uri: &'static str) -> Self {
        self.expect = Expect::Service(service, uri);
        self
    }
    pub fn redirects(mut self, status: u16, location: &'static str) -> Self {
        self.expect = Expect::Redirect(status, location);
        self
    }
    pub fn status(mut self, status: u16) -> Self {
        self.expect = Expect::Status(status);
        self
    }
    pub fn with(mut self, key: &'static str, value: &'static str) -> Self {
        self.with_headers.push((key, value));
        self
    }
    pub fn without(mut self, key: &'static str) -> Self {
        self.without_headers.push(key);
        self
    }

    pub fn check(&self, gateway: &Gateway) -> Result<(), String> {
        let response = request(gateway.port, self.method, self.target, &self.headers);
        let describe = |r: &Response| format!("{} {:?} {}", r.status, r.headers, r.body);
        match self.expect {
            Expect::Service(service, uri) => {
                let echo = response
                    .echo()
                    .ok_or_else(|| format!("no upstream answered: {}", describe(&response)))?;
                if echo.service != service || echo.uri != uri || echo.method != self.method {
                    return Err(format!(
                        "reached {} {} {} instead of {service} {uri}",
                        echo.service, echo.method, echo.uri
                    ));
                }
            }
            Expect::Redirect(status, location) => {
                if response.status != status || response.header("location") != Some(location) {
                    return Err(format!(
                        "expected {status} to {location}, got {}",
                        describe(&response)
                    ));
                }
            }
            Expect::Status(status) => {
                if response.status != status || response.echo().is_some() {
                    return Err(format!(
                        "expected the gateway's own {status}, got {}",
                        describe(&response)
                    ));
                }
            }
        }
        for (key, value) in &self.with_headers {
            if response.header(key) != Some(value) || response.header_count(key) != 1 {
                return Err(format!(
                    "expected one `{key}: {value}`, got {:?}",
                    response.headers
                ));
            }
        }
        for key in &self.without_headers {
            if response.header(key).is_some() {
                return Err(format!("expected no `{key}`, got {:?}", response.headers));
            }
        }
        Ok(())
    }
}

/// Runs every case and reports all failures at once.
pub fn run_cases(gateway: &Gateway, cases: &[Case]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            case.check(gateway)
                .err()
                .map(|e| format!("{} {} {:?}: {e}", case.method, case.target, case.headers))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}\n--- error log:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n"),
        gateway.error_log()
    );
}

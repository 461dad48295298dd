//! A deterministic synthetic project of N services, for the benchmarks and `scripts/bench.sh`:
//! each service binds 0 to 3 others; about 30% are public, routed by rewrites that use
//! `:param*`, regex groups and `has` conditions; redirects and headers ride along. The same N
//! always gives the same bytes (a fixed linear congruential generator, no clock, no hashing).

use std::fmt::Write as _;
use std::path::Path;

/// Knuth's MMIX LCG: deterministic everywhere.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `a`, `b`, ... `z`, `ba`, ...: service names are letters only.
pub fn name(mut i: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'a' + (i % 26) as u8));
        i /= 26;
        if i == 0 {
            break;
        }
    }
    letters.reverse();
    format!("svc-{}", letters.into_iter().collect::<String>())
}

/// The config (vercel.json) and settings (svc.yaml) of a project of `n` services.
pub fn project(n: usize) -> (String, String) {
    let mut rng = Lcg(n as u64);
    let mut services = String::new();
    let mut rewrites = String::new();
    let mut redirects = String::new();
    let mut headers = String::new();
    let mut settings =
        String::from("compose:\n  name: synth\n  subnet_pool: 10.0.0.0/8\nservices:\n");
    for i in 0..n {
        let me = name(i);
        let mut bindings = Vec::new();
        let count = rng.below(4) as usize;
        for b in 0..count.min(n.saturating_sub(1)) {
            let target = (i + 1 + rng.below(n as u64 - 1) as usize) % n;
            let target = if target == i { (i + 1) % n } else { target };
            if bindings.iter().any(|(t, _)| *t == target) {
                continue;
            }
            bindings.push((target, format!("DEP{b}_URL")));
        }
        let bindings: Vec<String> = bindings
            .iter()
            .map(|(t, env)| {
                format!(
                    r#"{{ "service": "{}", "format": "url", "env": "{env}" }}"#,
                    name(*t)
                )
            })
            .collect();
        let _ = write!(
            services,
            r#"{}    "{me}": {{ "root": "s/{me}", "bindings": [{}] }}"#,
            if i == 0 { "" } else { ",\n" },
            bindings.join(", ")
        );
        let _ = writeln!(
            settings,
            "  {me}:\n    image: registry.example.com/{me}:1.0.0"
        );
        if rng.below(10) < 3 {
            let rule = match rng.below(3) {
                0 => format!(
                    r#"{{ "source": "/{me}/:path*", "destination": {{ "service": "{me}" }} }}"#
                ),
                1 => format!(
                    r#"{{ "source": "/{me}/:id(\\d+)/(.*)", "destination": {{ "service": "{me}" }} }}"#
                ),
                _ => format!(
                    r#"{{ "source": "/{me}/:path*", "has": [{{ "type": "header", "key": "x-tenant", "value": "(?<tenant>[a-z]+)" }}], "destination": {{ "service": "{me}" }} }}"#
                ),
            };
            let _ = write!(
                rewrites,
                "{}    {rule}",
                if rewrites.is_empty() { "" } else { ",\n" }
            );
            if rng.below(3) == 0 {
                let _ = write!(
                    redirects,
                    r#"{}    {{ "source": "/old/{me}/:path*", "destination": "/{me}/:path*", "permanent": true }}"#,
                    if redirects.is_empty() { "" } else { ",\n" }
                );
            }
            if rng.below(3) == 0 {
                let _ = write!(
                    headers,
                    r#"{}    {{ "source": "/{me}/(.*)", "headers": [{{ "key": "Cache-Control", "value": "public, max-age=60" }}] }}"#,
                    if headers.is_empty() { "" } else { ",\n" }
                );
            }
        }
    }
    let config = format!(
        "{{\n  \"services\": {{\n{services}\n  }},\n  \"redirects\": [\n{redirects}\n  ],\n  \"headers\": [\n{headers}\n  ],\n  \"rewrites\": [\n{rewrites}\n  ]\n}}\n"
    );
    (config, settings)
}

/// Writes the project under `dir` (config, settings and one root per service).
pub fn write(n: usize, dir: &Path) -> std::io::Result<()> {
    let (config, settings) = project(n);
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("vercel.json"), config)?;
    std::fs::write(dir.join("svc.yaml"), settings)?;
    for i in 0..n {
        std::fs::create_dir_all(dir.join("s").join(name(i)))?;
    }
    Ok(())
}

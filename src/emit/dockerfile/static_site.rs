//! The static server of sites svc builds: nginx with a config of svc's own, serving only the
//! site's files. Dotfiles (but `.well-known`), manifests, lockfiles and symbolic links are
//! removed from what is served, and nginx follows no link, so nothing outside the output
//! directory can be reached.

use crate::emit::nginx_conf::{Arg, Item, Part, block, comment, if_block, print, simple};

/// The header the gateway sends a static service the path its own rewrites lead to; the
/// static server serves it only when the requested path is not a file, as Vercel checks the
/// filesystem before a service's rewrites.
pub const REWRITTEN_PATH_HEADER: &str = "X-Svc-Rewritten-Path";
const REWRITTEN_PATH_VAR: &str = "http_x_svc_rewritten_path";

fn try_files(args: Vec<Arg>) -> Item {
    simple("try_files", args)
}

/// `$uri/index.html`: a directory's index.
fn uri_index() -> Arg {
    Arg::Value(vec![
        Part::Var("uri".to_string()),
        Part::Text("/index.html".to_string()),
    ])
}

/// Files that describe a project rather than belong to its site. Vercel's static builder
/// leaves most of these out too.
const NOT_SERVED: &[&str] = &[
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    "bun.lock",
    "bun.lockb",
    "vercel.json",
    "vercel.jsonc",
    "vercel.toml",
    "now.json",
    "svc.yaml",
    "svc.json",
    "README.md",
    "requirements.txt",
    "pyproject.toml",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "go.mod",
    "go.sum",
    "Gemfile",
    "Gemfile.lock",
    "Cargo.toml",
    "Cargo.lock",
    "Dockerfile",
    "Containerfile",
];

/// Types by extension: the server's own table, so it depends on nothing in its image.
const TYPES: &[(&str, &str)] = &[
    ("text/html", "html htm"),
    ("text/css", "css"),
    ("text/javascript", "js mjs"),
    ("application/json", "json map webmanifest"),
    ("text/plain", "txt"),
    ("text/xml", "xml"),
    ("text/markdown", "md"),
    ("image/svg+xml", "svg svgz"),
    ("image/png", "png"),
    ("image/jpeg", "jpg jpeg"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
    ("image/avif", "avif"),
    ("image/x-icon", "ico"),
    ("font/woff", "woff"),
    ("font/woff2", "woff2"),
    ("font/ttf", "ttf"),
    ("font/otf", "otf"),
    ("application/wasm", "wasm"),
    ("application/pdf", "pdf"),
    ("application/zip", "zip"),
    ("audio/mpeg", "mp3"),
    ("video/mp4", "mp4"),
    ("video/webm", "webm"),
];

/// The shell step that puts the site in `/svc/site`: copied from `source` (a shell word,
/// relative to the build's directory) when given, then everything not to be served removed.
pub fn collect(source: Option<&str>) -> String {
    let copy = match source {
        Some(source) => format!("mkdir -p /svc && cp -a {source} /svc/site && "),
        None => String::new(),
    };
    let names: Vec<String> = NOT_SERVED.iter().map(|n| format!("-name '{n}'")).collect();
    format!(
        "{copy}cd /svc/site && find . -mindepth 1 \\( -name '.*' ! -name '.well-known' \\) -prune -exec rm -rf {{}} + && find . \\( -name node_modules -o {} \\) -prune -exec rm -rf {{}} + && find . -type l -exec rm -f {{}} +",
        names.join(" -o ")
    )
}

/// Rewritten paths the static server tries after the requested one; more chained rewrites of
/// one request end at the SPA fallback.
const CANDIDATES: usize = 4;
/// The `map` pattern of each candidate: the paths before it skipped, its own captured.
const CANDIDATE_PATTERNS: [&str; CANDIDATES] = [
    "\"~^ ?(/[^ ]*)\"",
    "\"~^ ?/[^ ]* (/[^ ]*)\"",
    "\"~^ ?/[^ ]* /[^ ]* (/[^ ]*)\"",
    "\"~^ ?/[^ ]* /[^ ]* /[^ ]* (/[^ ]*)\"",
];

/// The candidates: `$svc_c1` .. `$svc_c4`, each path the gateway listed (space-separated, in
/// order), read by `map`s (an `if` in the location would replace its `try_files`).
fn candidate_maps() -> Vec<Item> {
    (1..=CANDIDATES)
        .map(|i| {
            block(
                "map",
                vec![Arg::var(REWRITTEN_PATH_VAR), Arg::var(format!("svc_c{i}"))],
                vec![
                    simple(CANDIDATE_PATTERNS[i - 1], vec![Arg::var("1")]),
                    simple("default", vec![Arg::text("")]),
                ],
            )
        })
        .collect()
}

/// The `@svc_rewritten` location: each candidate tried as the requested path is, then the SPA
/// fallback. A list with dot segments or a backslash, raw or encoded, is refused: nginx does
/// not normalise a path it did not parse, and `..` would leave the site.
fn rewritten_paths(clean_urls: bool) -> Vec<Item> {
    let mut items = vec![if_block(
        vec![
            Arg::var(REWRITTEN_PATH_VAR),
            Arg::Word("~"),
            Arg::Regex(r"(?:^|[ /])(?:\.|%2[eE]){1,2}(?:[ /]|$)|\\|%5[cC]".to_string()),
        ],
        vec![simple("return", vec![Arg::Number(404)])],
    )];
    let mut tries = Vec::new();
    for i in 1..=CANDIDATES {
        let name = format!("svc_c{i}");
        tries.push(Arg::var(&name));
        if clean_urls {
            tries.push(Arg::Value(vec![
                Part::Var(name.clone()),
                Part::Text(".html".to_string()),
            ]));
        }
        tries.push(Arg::Value(vec![
            Part::Var(name),
            Part::Text("/index.html".to_string()),
        ]));
    }
    tries.push(Arg::Word("@svc_spa"));
    items.push(try_files(tries));
    items
}

/// nginx.conf for the static server: unprivileged, on `port`, serving `/www`; with `cleanUrls`
/// a page is also found without its `.html`, as Vercel serves it.
pub fn config(port: u16, clean_urls: bool) -> String {
    let files = |last: &'static str| {
        let mut args = vec![Arg::var("uri")];
        if clean_urls {
            args.push(Arg::Value(vec![
                Part::Var("uri".to_string()),
                Part::Text(".html".to_string()),
            ]));
        }
        args.extend([uri_index(), Arg::Word(last)]);
        try_files(args)
    };
    let types: Vec<Item> = TYPES
        .iter()
        .map(|(mime, extensions)| {
            let mut args: Vec<Arg> = Vec::new();
            args.extend(extensions.split(' ').map(|e| Arg::text(e.to_string())));
            simple(mime, args)
        })
        .collect();
    let items = vec![
        simple("worker_processes", vec![Arg::Number(1)]),
        simple("pid", vec![Arg::text("/tmp/nginx.pid")]),
        simple("error_log", vec![Arg::Word("stderr")]),
        simple("daemon", vec![Arg::Word("off")]),
        block(
            "events",
            vec![],
            vec![simple("worker_connections", vec![Arg::Number(1024)])],
        ),
        block(
            "http",
            vec![],
            [block("types", vec![], types)]
                .into_iter()
                .chain(candidate_maps())
                .chain([
                simple("default_type", vec![Arg::text("application/octet-stream")]),
                simple("access_log", vec![Arg::Word("off")]),
                simple("server_tokens", vec![Arg::Word("off")]),
                simple("disable_symlinks", vec![Arg::Word("on")]),
                ])
                .chain(crate::emit::nginx_conf::temp_paths_under_tmp())
                .chain([
                block(
                    "server",
                    vec![],
                    vec![
                        simple("listen", vec![Arg::Number(u64::from(port))]),
                        simple("root", vec![Arg::text("/www")]),
                        simple("absolute_redirect", vec![Arg::Word("off")]),
                        simple("error_page", vec![Arg::Number(404), Arg::text("/404.html")]),
                        block(
                            "location",
                            vec![
                                Arg::Word("~"),
                                Arg::Regex(r"/\.(?!well-known(/|$))".to_string()),
                            ],
                            vec![simple("return", vec![Arg::Number(404)])],
                        ),
                        block(
                            "location",
                            vec![Arg::text("/")],
                            vec![files("@svc_rewritten")],
                        ),
                        comment(
                            "not a file: the paths the service's rewrites lead to, as the gateway found them",
                        ),
                        block(
                            "location",
                            vec![Arg::Word("@svc_rewritten")],
                            rewritten_paths(clean_urls),
                        ),
                        comment(
                            "Vercel's SPA fallback for a static service: its index.html for any other path",
                        ),
                        block(
                            "location",
                            vec![Arg::Word("@svc_spa")],
                            vec![try_files(vec![Arg::text("/index.html"), Arg::Word("=404")])],
                        ),
                    ],
                ),
            ])
            .collect(),
        ),
    ];
    print(&items)
}

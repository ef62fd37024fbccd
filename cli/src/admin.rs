//! `carecircle admin --server URL --user LOGIN ...`: the district platform administered from a
//! terminal, through its API (`/v1/admin/*`): facility files, seniors and caregivers, canteens,
//! menus and stock, district rules, division boundaries and the one map's base map. Each run
//! signs in (as `carecircle sync` does: the password from --password or $CARECIRCLE_PASSWORD),
//! makes its one call and signs out; who may do what is the platform's to decide (core's
//! `admin`), and its refusals are printed as it words them.

use crate::output::Output;
use carecircle_core::clock::parse_date;
use carecircle_core::meal::{CanteenSettings, Meal, Menu};
use carecircle_core::rental::{Device, DeviceStock};
use carecircle_core::{Crs, Error};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args)]
pub struct AdminArgs {
    /// The platform, e.g. https://platform.example.cn (plain http only to this machine's loopback).
    #[arg(long, env = "CARECIRCLE_SERVER")]
    server: String,
    /// The platform account to sign in as (a district administrator; a station's operator for
    /// its own canteen, menus and stock).
    #[arg(long, env = "CARECIRCLE_USER")]
    user: String,
    /// Its password (better from $CARECIRCLE_PASSWORD, out of the process list).
    #[arg(long, env = "CARECIRCLE_PASSWORD", hide_env_values = true)]
    password: String,
    #[command(subcommand)]
    command: AdminCmd,
}

#[derive(Subcommand)]
pub enum AdminCmd {
    /// Import a facility file, GeoJSON or CSV (by its extension unless --format): all rows or none.
    Facilities {
        file: PathBuf,
        /// geojson or csv.
        #[arg(long)]
        format: Option<String>,
        /// Coordinate system of the file, if it does not declare one.
        #[arg(long)]
        crs: Option<Crs>,
    },
    /// Import seniors (CSV: senior_id,name,gender,birth_date,lives_alone,lat,lon[,division,address,phone]).
    Seniors { file: PathBuf },
    /// Import caregivers (CSV: caregiver_id,name,organisation,station_id,skills,lat,lon,radius_m,availability).
    Caregivers { file: PathBuf },
    /// Set up a facility as a canteen: delivery radius and cut-offs (Shanghai, HH:MM).
    Canteen {
        facility: String,
        #[arg(long, default_value_t = 1000.0)]
        delivery_radius_m: f64,
        #[arg(long, default_value = "06:00")]
        breakfast_cutoff: String,
        #[arg(long, default_value = "09:00")]
        lunch_cutoff: String,
        #[arg(long, default_value = "14:00")]
        dinner_cutoff: String,
    },
    /// Publish or change a canteen's menu for a day and meal, with its capacity and seats.
    Menu {
        facility: String,
        #[arg(long)]
        date: String,
        #[arg(long)]
        meal: Meal,
        #[arg(long)]
        dishes: String,
        /// Price in fen (1 yuan = 100 fen).
        #[arg(long)]
        price_fen: u32,
        #[arg(long)]
        capacity: u32,
        #[arg(long)]
        seats: u32,
    },
    /// A rental point's count, deposit and daily fee (fen) for a device.
    Stock {
        facility: String,
        #[arg(long)]
        device: Device,
        #[arg(long)]
        total: u32,
        #[arg(long, default_value_t = 0)]
        deposit_fen: u32,
        #[arg(long, default_value_t = 0)]
        daily_fee_fen: u32,
    },
    /// The district's eligibility and quota rules, from a JSON file (as `GET /v1/openapi.json` describes DistrictRules).
    Rules { file: PathBuf },
    /// Import division boundaries (GeoJSON: code, name, level, parent; Point, Polygon or MultiPolygon): all or none.
    Divisions {
        file: PathBuf,
        /// Coordinate system of the file, if it does not declare one.
        #[arg(long)]
        crs: Option<Crs>,
    },
    /// The one map's base map (tiles of Tianditu, Amap, ... with the district's key).
    #[command(subcommand)]
    BaseMap(BaseMapCmd),
    /// The platform's timed jobs: interval, last and next run, outcome.
    Jobs,
}

#[derive(Subcommand)]
pub enum BaseMapCmd {
    /// The base map and the tile hosts the map page may load images from.
    Show,
    /// Set the tile source.
    Set {
        /// https://HOST/... with {z}, {x} and {y}, and {s} in the host for --subdomains.
        #[arg(long)]
        url: String,
        /// The tiles' coordinate system: wgs84 (Tianditu) or gcj02 (Amap, Tencent).
        #[arg(long)]
        crs: Crs,
        /// What {s} stands for, comma-separated (Tianditu: 0,1,2,3,4,5,6,7).
        #[arg(long, value_delimiter = ',')]
        subdomains: Vec<String>,
        #[arg(long, default_value = "")]
        attribution: String,
        #[arg(long, default_value_t = 18)]
        max_zoom: u8,
    },
    /// Remove it: the map page loads nothing from outside again.
    Clear,
}

/// Why an admin command failed: here (a file, an argument, the network) or on the platform.
pub enum Failure {
    Local(Error),
    Refused { status: u16, code: String, message: String, retry_after: Option<String> },
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Local(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Local(e) => write!(f, "{e}"),
            Failure::Refused { status: 401, .. } => f.write_str("the platform did not accept the sign-in: check --user and --password"),
            Failure::Refused { status: 403, .. } => f.write_str("not allowed: this account may not do that on the platform"),
            Failure::Refused { status: 413, .. } => f.write_str("the file is larger than the platform takes"),
            Failure::Refused { status: 429, retry_after, .. } => match retry_after {
                Some(s) => write!(f, "too many failed sign-ins: try again in {s} s"),
                None => f.write_str("too many failed sign-ins: try again later"),
            },
            Failure::Refused { status, message, .. } if *status >= 500 => write!(f, "the platform could not do it now ({status}{}); try again", if message.is_empty() { String::new() } else { format!(": {message}") }),
            Failure::Refused { code, message, .. } if message.is_empty() => write!(f, "the platform refused it ({code})"),
            Failure::Refused { message, .. } => f.write_str(message),
        }
    }
}

/// The platform's address, checked as the phone's sync client checks it: https, or plain http
/// only to this machine's loopback (passwords and seniors' records never cross a network in clear).
fn base_url(server: &str) -> Result<(String, bool), Error> {
    let base = server.trim_end_matches('/').to_string();
    let url = reqwest::Url::parse(&base).map_err(|_| Error::invalid("server", "expected an https:// address"))?;
    match url.scheme() {
        "https" => Ok((base, true)),
        "http" => {
            let host = url.host_str().unwrap_or("");
            let ip = host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>();
            if host.eq_ignore_ascii_case("localhost") || ip.is_ok_and(|a| a.is_loopback()) {
                Ok((base, false))
            } else {
                Err(Error::invalid("server", "plain http is refused except on this machine's loopback: use https://"))
            }
        }
        _ => Err(Error::invalid("server", "expected an https:// address")),
    }
}

/// One call: the method, the path and query, and the body with its content type.
struct Call {
    method: reqwest::Method,
    path: String,
    body: Option<(&'static str, String)>,
}

impl Call {
    fn get(path: &str) -> Call {
        Call { method: reqwest::Method::GET, path: path.into(), body: None }
    }
    fn file(path: String, content_type: &'static str, text: String) -> Call {
        Call { method: reqwest::Method::POST, path, body: Some((content_type, text)) }
    }
    fn json(method: reqwest::Method, path: &str, value: &impl serde::Serialize) -> Call {
        Call { method, path: path.into(), body: Some(("application/json", serde_json::to_string(value).expect("serialisable"))) }
    }
    fn put(path: &str, value: &impl serde::Serialize) -> Call {
        Call::json(reqwest::Method::PUT, path, value)
    }
}

fn read(file: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(file).map_err(|e| Error::invalid("file", format!("{}: {e}", file.display())))?;
    String::from_utf8(bytes).map_err(|_| Error::invalid("file", format!("{} is not UTF-8 text", file.display())))
}

fn query_crs(crs: Option<Crs>) -> String {
    crs.map(|c| format!("crs={}", c.code())).unwrap_or_default()
}

/// The call a command makes.
fn call_for(cmd: AdminCmd) -> Result<Call, Error> {
    Ok(match cmd {
        AdminCmd::Facilities { file, format, crs } => {
            let format = match format.as_deref().map(str::to_ascii_lowercase) {
                Some(f) => f,
                None => match file.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
                    Some("csv") => "csv".into(),
                    Some("geojson" | "json") => "geojson".into(),
                    _ => return Err(Error::invalid("format", "say --format geojson or --format csv (the file's extension does not tell)")),
                },
            };
            let content_type = if format == "csv" { "text/csv; charset=utf-8" } else { "application/geo+json" };
            let crs = query_crs(crs);
            Call::file(format!("/v1/admin/facilities?format={format}{}{crs}", if crs.is_empty() { "" } else { "&" }), content_type, read(&file)?)
        }
        AdminCmd::Seniors { file } => Call::file("/v1/admin/seniors".into(), "text/csv; charset=utf-8", read(&file)?),
        AdminCmd::Caregivers { file } => Call::file("/v1/admin/caregivers".into(), "text/csv; charset=utf-8", read(&file)?),
        AdminCmd::Canteen { facility, delivery_radius_m, breakfast_cutoff, lunch_cutoff, dinner_cutoff } => {
            let cutoff = crate::programmes::cutoff;
            let c = CanteenSettings { facility_id: facility, delivery_radius_m, breakfast_cutoff: cutoff(&breakfast_cutoff)?, lunch_cutoff: cutoff(&lunch_cutoff)?, dinner_cutoff: cutoff(&dinner_cutoff)? };
            Call::put("/v1/admin/canteens", &c)
        }
        AdminCmd::Menu { facility, date, meal, dishes, price_fen, capacity, seats } => {
            Call::put("/v1/admin/menus", &Menu { facility_id: facility, date: parse_date(&date)?, meal, dishes, price_fen, capacity, seats })
        }
        AdminCmd::Stock { facility, device, total, deposit_fen, daily_fee_fen } => {
            Call::put("/v1/admin/stock", &DeviceStock { facility_id: facility, device, total, deposit_fen, daily_fee_fen })
        }
        AdminCmd::Rules { file } => {
            let text = read(&file)?;
            let rules: Value = serde_json::from_str(&text).map_err(|e| Error::invalid("rules file", format!("not JSON: {e}")))?;
            Call::put("/v1/admin/rules", &rules)
        }
        AdminCmd::Divisions { file, crs } => {
            let crs = query_crs(crs);
            Call::file(format!("/v1/admin/divisions{}{crs}", if crs.is_empty() { "" } else { "?" }), "application/geo+json", read(&file)?)
        }
        AdminCmd::BaseMap(BaseMapCmd::Show) => Call::get("/v1/admin/base-map"),
        AdminCmd::BaseMap(BaseMapCmd::Set { url, crs, subdomains, attribution, max_zoom }) => {
            Call::put("/v1/admin/base-map", &json!({"url": url, "crs": crs, "subdomains": subdomains, "attribution": attribution, "max_zoom": max_zoom}))
        }
        AdminCmd::BaseMap(BaseMapCmd::Clear) => Call { method: reqwest::Method::DELETE, path: "/v1/admin/base-map".into(), body: None },
        AdminCmd::Jobs => Call::get("/v1/admin/jobs"),
    })
}

/// An answer: the JSON of a success, or the platform's refusal.
async fn send(http: &reqwest::Client, base: &str, token: Option<&str>, call: Call) -> Result<Value, Failure> {
    let mut req = http.request(call.method, format!("{base}{}", call.path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some((content_type, text)) = call.body {
        req = req.header(reqwest::header::CONTENT_TYPE, content_type).body(text);
    }
    let resp = req.send().await.map_err(|e| Error::Network(e.to_string()))?;
    let status = resp.status().as_u16();
    let retry_after = resp.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(String::from);
    let text = resp.text().await.map_err(|e| Error::Network(e.to_string()))?;
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(value);
    }
    let field = |k: &str| value.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    Err(Failure::Refused { status, code: field("error"), message: field("message"), retry_after })
}

/// What a command is about, for the human answer.
fn describe(cmd: &AdminCmd) -> &'static str {
    match cmd {
        AdminCmd::Facilities { .. } => "facilities",
        AdminCmd::Seniors { .. } => "seniors",
        AdminCmd::Caregivers { .. } => "caregivers",
        AdminCmd::Canteen { .. } => "canteen",
        AdminCmd::Menu { .. } => "menu",
        AdminCmd::Stock { .. } => "stock",
        AdminCmd::Rules { .. } => "district rules",
        AdminCmd::Divisions { .. } => "divisions",
        AdminCmd::BaseMap(_) => "base map",
        AdminCmd::Jobs => "jobs",
    }
}

fn print_answer(what: &str, answer: &Value) {
    let n = |k: &str| answer.get(k).and_then(Value::as_u64).unwrap_or(0);
    match what {
        "base map" => match answer.get("base_map").filter(|b| !b.is_null()) {
            Some(b) => {
                println!("base map: {} ({} tiles, up to zoom {})", b["url"].as_str().unwrap_or(""), b["crs"].as_str().unwrap_or(""), b["max_zoom"]);
                let hosts: Vec<&str> = answer["hosts"].as_array().map(|h| h.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                println!("the map page may load images from: {}", hosts.join(" "));
            }
            None => println!("no base map: the map page loads nothing from outside the platform"),
        },
        "jobs" => {
            let rows: Vec<Vec<String>> = answer
                .as_array()
                .map(|jobs| {
                    jobs.iter()
                        .map(|j| {
                            let text = |k: &str| j.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                            let outcome = if text("last_error").is_empty() { text("last_outcome") } else { format!("failed: {}", text("last_error")) };
                            vec![text("job"), format!("{} s", j["every_seconds"]), text("last_started_at"), text("next_run_at"), outcome]
                        })
                        .collect()
                })
                .unwrap_or_default();
            crate::output::table(&["job", "every", "last run", "next run", "outcome"], &rows);
        }
        "facilities" | "seniors" | "caregivers" | "divisions" => println!("{what}: {} new, {} updated", n("inserted"), n("updated")),
        _ => println!("{what}: done"),
    }
}

pub fn admin(out: &Output, a: AdminArgs) -> Result<(), Failure> {
    let (base, secure) = base_url(&a.server)?;
    let what = describe(&a.command);
    let call = call_for(a.command)?;
    // A big import takes the platform a while; no redirects, as for the phone's sync.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .https_only(secure)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::Network(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| Error::Network(e.to_string()))?;
    let answer = runtime.block_on(async {
        let login = Call::json(reqwest::Method::POST, "/v1/auth/login", &json!({"login": a.user, "password": a.password}));
        let session = send(&http, &base, None, login).await?;
        let token = session.get("token").and_then(Value::as_str).ok_or_else(|| Error::Network("the platform gave no session token".into()))?.to_string();
        let answer = send(&http, &base, Some(&token), call).await;
        // The session ends with the command, whatever its answer.
        let _ = send(&http, &base, Some(&token), Call { method: reqwest::Method::POST, path: "/v1/auth/logout".into(), body: None }).await;
        answer
    })?;
    out.either(&answer, || print_answer(what, &answer)).map_err(Failure::Local)
}

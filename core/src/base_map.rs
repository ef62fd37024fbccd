//! The one map's base map (底图): a district may draw its map over a tile service, such as
//! Tianditu (天地图) or Amap (高德) with the district's key. Without one the map page draws only
//! the platform's own data and loads nothing from outside; with one, the page's
//! Content-Security-Policy lets images come from exactly the tile hosts named here, so the
//! address is held to a strict shape: https, one host (or one host pattern with `{s}`), no
//! quotes, spaces or anything else that could widen the policy or leave the attribute.
//!
//! Tiles are Web Mercator XYZ tiles (row 0 at the north), the scheme Tianditu's `_w` layers,
//! Amap and OpenStreetMap share. Their coordinate system matters: Tianditu's are WGS-84 (CGCS2000,
//! the same to well under a metre), Amap's and Tencent's GCJ-02. Positions stay WGS-84 everywhere;
//! the page shifts what it draws into the tiles' system (see `server/web/app.js`).

use crate::carecircle::CareCircle;
use crate::error::{Error, Result};
use crate::person::Actor;
use crate::position::Crs;
use serde::{Deserialize, Serialize};

/// The setting's key.
const KEY: &str = "base_map";
const MAX_URL: usize = 1000;
const MAX_ATTRIBUTION: usize = 200;
const MAX_SUBDOMAINS: usize = 16;
/// Web Mercator tile services stop at 18 to 20; 22 leaves room and keeps `2^z` small.
pub const MAX_ZOOM: u8 = 22;

/// A tile source, as the district configures it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseMap {
    /// `https://HOST/...` with `{z}`, `{x}` and `{y}` each once after the host, and `{s}` in the
    /// host if `subdomains` are given, e.g.
    /// `https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY`.
    pub url: String,
    /// What `{s}` stands for, e.g. `["0", "1", ..., "7"]` for Tianditu.
    #[serde(default)]
    pub subdomains: Vec<String>,
    /// The tiles' coordinate system: `wgs84` or `gcj02` (BD-09 tiles are not Web Mercator).
    pub crs: Crs,
    /// Shown on the map, as the tile services' terms ask (e.g. "© 天地图 GS(2024)0568号").
    #[serde(default)]
    pub attribution: String,
    /// The deepest zoom level the service has; the page enlarges those tiles beyond it.
    pub max_zoom: u8,
}

fn bad(field: &'static str, reason: impl Into<String>) -> Error {
    Error::invalid(field, reason)
}

impl BaseMap {
    /// Checks the whole setting; the reasons name the field and say what is expected.
    pub fn validate(&self) -> Result<()> {
        self.hosts().map(|_| ())
    }

    /// The hosts the tiles come from (`{s}` expanded), each as `https://host[:port]`: what the
    /// page's Content-Security-Policy allows, and nothing else. Checks the setting first.
    pub fn hosts(&self) -> Result<Vec<String>> {
        if self.crs == Crs::Bd09 {
            return Err(bad("base map crs", "tiles in BD-09 (Baidu) are not Web Mercator tiles: use wgs84 or gcj02 tiles"));
        }
        if self.max_zoom == 0 || self.max_zoom > MAX_ZOOM {
            return Err(bad("base map max_zoom", format!("must be 1 to {MAX_ZOOM}")));
        }
        if self.attribution.chars().count() > MAX_ATTRIBUTION {
            return Err(bad("base map attribution", format!("is longer than {MAX_ATTRIBUTION} characters")));
        }
        if self.attribution.chars().any(char::is_control) {
            return Err(bad("base map attribution", "contains a control character"));
        }
        let url = self.url.as_str();
        if url.len() > MAX_URL {
            return Err(bad("base map url", format!("is longer than {MAX_URL} characters")));
        }
        let Some(rest) = url.strip_prefix("https://") else {
            return Err(bad("base map url", "must start with https:// (tiles are never loaded over plain http)"));
        };
        // Printable ASCII only, and none of what could end an attribute or a policy's source
        // list, or what has no business in a tile address.
        if let Some(c) = url.chars().find(|c| !c.is_ascii_graphic() || "\"'`<>\\^|;,#".contains(*c)) {
            let shown = if c.is_ascii_graphic() { format!("'{c}'") } else { format!("U+{:04X}", c as u32) };
            return Err(bad("base map url", format!("may not contain {shown} (spaces, quotes, <, >, \\, ^, |, ;, comma, #)")));
        }
        let cut = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(cut);
        if !path.starts_with('/') {
            return Err(bad("base map url", "needs a path after the host, e.g. https://tiles.example.cn/{z}/{x}/{y}.png"));
        }
        // Placeholders: {z}, {x}, {y} once each in the path; {s} only in the host.
        for p in ["{z}", "{x}", "{y}"] {
            match path.matches(p).count() {
                1 => {}
                0 => return Err(bad("base map url", format!("has no {p} after the host"))),
                _ => return Err(bad("base map url", format!("has {p} more than once"))),
            }
        }
        if path.contains("{s}") {
            return Err(bad("base map url", "{s} may only stand in the host"));
        }
        let rest_of_path = ["{z}", "{x}", "{y}"].iter().fold(path.to_string(), |p, k| p.replace(k, ""));
        if rest_of_path.contains(['{', '}']) {
            return Err(bad("base map url", "the only placeholders are {z}, {x}, {y} and {s}"));
        }
        if authority.contains('@') {
            return Err(bad("base map url", "may not carry a user name or password before the host"));
        }
        let (host, port) = match authority.split_once(':') {
            Some((h, p)) => match p.parse::<u16>() {
                Ok(n) if n > 0 && p.len() <= 5 && !p.starts_with('0') => (h, Some(n)),
                _ => return Err(bad("base map url", format!("port '{p}' is not a port number"))),
            },
            None => (authority, None),
        };
        let with_s = host.matches("{s}").count();
        if with_s > 1 {
            return Err(bad("base map url", "has {s} more than once"));
        }
        if with_s == 1 && self.subdomains.is_empty() {
            return Err(bad("base map subdomains", "the host has {s}: list what it stands for, e.g. [\"1\", \"2\", \"3\", \"4\"]"));
        }
        if with_s == 0 && !self.subdomains.is_empty() {
            return Err(bad("base map subdomains", "are given but the host has no {s}"));
        }
        if self.subdomains.len() > MAX_SUBDOMAINS {
            return Err(bad("base map subdomains", format!("at most {MAX_SUBDOMAINS}")));
        }
        let expansions: Vec<&str> = if with_s == 1 { self.subdomains.iter().map(String::as_str).collect() } else { vec![""] };
        let mut hosts = Vec::with_capacity(expansions.len());
        for s in expansions {
            if with_s == 1 && (s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')) {
                return Err(bad("base map subdomains", format!("'{}' is not 1 to 20 lower-case letters, digits or hyphens", crate::facility::truncate(s, 24))));
            }
            let name = host.replace("{s}", s);
            check_host(&name)?;
            let source = match port {
                Some(p) => format!("https://{name}:{p}"),
                None => format!("https://{name}"),
            };
            if !hosts.contains(&source) {
                hosts.push(source);
            }
        }
        Ok(hosts)
    }
}

/// A DNS name in lower case (at least two labels) or a dotted IPv4 address: what a
/// Content-Security-Policy host source may be, with no wildcard.
fn check_host(name: &str) -> Result<()> {
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |l: &&str| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if name.len() > 253 || labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(bad("base map url", format!("'{}' is not a host name (lower-case letters, digits, hyphens and dots, e.g. t0.tianditu.gov.cn)", crate::facility::truncate(name, 60))));
    }
    // A name that is all digits and dots must be an IPv4 address.
    if labels.iter().all(|l| l.bytes().all(|b| b.is_ascii_digit())) && name.parse::<std::net::Ipv4Addr>().is_err() {
        return Err(bad("base map url", format!("'{name}' is not an IPv4 address")));
    }
    Ok(())
}

fn may_configure(actor: &Actor) -> Result<()> {
    match actor {
        Actor::District | Actor::System => Ok(()),
        _ => Err(Error::Forbidden(format!("{} may not configure the base map", actor.label()))),
    }
}

impl CareCircle {
    /// The district's base map, if it configured one (the map page reads it with the map).
    pub fn base_map(&self) -> Result<Option<BaseMap>> {
        self.store.read(|sql| crate::store::setting(sql, KEY))
    }

    /// The base map as its administrators see it: the district only.
    pub fn base_map_for(&self, actor: &Actor) -> Result<Option<BaseMap>> {
        may_configure(actor)?;
        self.base_map()
    }

    /// Stores the base map (checked), or with `None` removes it: the page is self-contained again.
    /// Who may: decided by `admin::may_administer` (the district), which calls this.
    pub(crate) fn put_base_map(&self, base_map: Option<&BaseMap>) -> Result<()> {
        match base_map {
            Some(b) => {
                b.validate()?;
                self.store.write(|sql| crate::store::put_setting(sql, KEY, b))
            }
            None => self.store.write(|sql| {
                sql.execute("DELETE FROM setting WHERE key = ?1", crate::args![KEY])?;
                Ok(())
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiles(url: &str) -> BaseMap {
        BaseMap { url: url.into(), subdomains: vec![], crs: Crs::Wgs84, attribution: "© test".into(), max_zoom: 18 }
    }

    fn reason(b: &BaseMap) -> String {
        match b.hosts() {
            Err(Error::InvalidInput { field, reason }) => format!("{field}: {reason}"),
            other => panic!("{}: {other:?}", b.url),
        }
    }

    #[test]
    fn tianditu_and_amap_are_taken_with_their_hosts() {
        let mut t = tiles("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=0123456789abcdef");
        t.subdomains = (0..8).map(|i| i.to_string()).collect();
        let hosts = t.hosts().unwrap();
        assert_eq!(hosts.len(), 8);
        assert_eq!(hosts[0], "https://t0.tianditu.gov.cn");
        assert_eq!(hosts[7], "https://t7.tianditu.gov.cn");
        let mut a = tiles("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}");
        a.subdomains = vec!["1".into(), "2".into(), "3".into(), "4".into()];
        a.crs = Crs::Gcj02;
        assert_eq!(a.hosts().unwrap()[3], "https://webrd04.is.autonavi.com");
        assert_eq!(tiles("https://10.1.2.3:8443/{z}/{x}/{y}.png").hosts().unwrap(), vec!["https://10.1.2.3:8443"]);
    }

    #[test]
    fn anything_that_could_widen_the_policy_is_refused_by_name() {
        let cases = [
            ("http://tiles.example.cn/{z}/{x}/{y}.png", "must start with https://"),
            ("HTTPS://tiles.example.cn/{z}/{x}/{y}.png", "must start with https://"),
            ("https://tiles.example.cn/{z}/{x}/{y}.png https://evil.example.com", "may not contain U+0020"),
            ("https://tiles.example.cn/{z}/{x}/{y}.png'", "may not contain '''"),
            ("https://tiles.example.cn/{z}/{x}/{y}.png\"", "may not contain '\"'"),
            ("https://tiles.example.cn/{z}/{x}/{y}.png;script-src", "may not contain ';'"),
            ("https://tiles.example.cn,evil.example.com/{z}/{x}/{y}", "may not contain ','"),
            ("https://*.example.cn/{z}/{x}/{y}.png", "is not a host name"),
            ("https://Tiles.Example.cn/{z}/{x}/{y}.png", "is not a host name"),
            ("https://localhost/{z}/{x}/{y}.png", "is not a host name"),
            ("https://999.1.1.1/{z}/{x}/{y}.png", "is not an IPv4 address"),
            ("https://user@tiles.example.cn/{z}/{x}/{y}.png", "user name"),
            ("https://tiles.example.cn:99999/{z}/{x}/{y}.png", "not a port number"),
            ("https://tiles.example.cn", "needs a path"),
            ("https://tiles.example.cn/{z}/{x}.png", "has no {y}"),
            ("https://tiles.example.cn/{z}/{x}/{y}/{y}.png", "has {y} more than once"),
            ("https://tiles.example.cn/{z}/{x}/{y}.png?k={key}", "the only placeholders"),
            ("https://{z}.example.cn/{x}/{y}.png", "has no {z}"),
            ("https://t{s}.example.cn/{z}/{x}/{y}.png", "list what it stands for"),
            ("https://tiles.example.cn/{s}/{z}/{x}/{y}.png", "{s} may only stand in the host"),
            ("https://tiles.example.cn/{z}/{x}/{y}.png#top", "may not contain '#'"),
            ("https://瓦片.example.cn/{z}/{x}/{y}.png", "may not contain U+74E6"),
        ];
        for (url, want) in cases {
            let got = reason(&tiles(url));
            assert!(got.starts_with("base map ") && got.contains(want), "{url}: {got}");
        }
        let mut b = tiles("https://t{s}.example.cn/{z}/{x}/{y}.png");
        b.subdomains = vec!["a".into(), "b c".into()];
        assert!(reason(&b).contains("'b c' is not 1 to 20"), "{}", reason(&b));
        let mut b = tiles("https://tiles.example.cn/{z}/{x}/{y}.png");
        b.subdomains = vec!["a".into()];
        assert!(reason(&b).contains("no {s}"));
        b.subdomains.clear();
        b.max_zoom = 0;
        assert!(reason(&b).contains("max_zoom"));
        b.max_zoom = 18;
        b.crs = Crs::Bd09;
        assert!(reason(&b).contains("BD-09"));
        b.crs = Crs::Gcj02;
        b.attribution = "x".repeat(201);
        assert!(reason(&b).contains("attribution"));
        b.attribution = "a\nb".into();
        assert!(reason(&b).contains("control character"));
    }

    #[test]
    fn stored_until_cleared() {
        let cc = CareCircle::open_in_memory(Default::default()).unwrap();
        assert_eq!(cc.base_map().unwrap(), None);
        let b = tiles("https://tiles.example.cn/{z}/{x}/{y}.png");
        cc.put_base_map(Some(&b)).unwrap();
        assert_eq!(cc.base_map().unwrap(), Some(b));
        assert!(cc.put_base_map(Some(&tiles("http://tiles.example.cn/{z}/{x}/{y}.png"))).is_err());
        assert!(cc.base_map().unwrap().is_some(), "a refused change leaves the setting as it was");
        assert!(matches!(cc.base_map_for(&Actor::Operator("ST1".into())), Err(Error::Forbidden(_))));
        cc.put_base_map(None).unwrap();
        assert_eq!(cc.base_map_for(&Actor::District).unwrap(), None);
    }

    /// The core's WGS-84 → GCJ-02 (coordtransform) at three places; the map page's port of the
    /// formula (`server/web/app.js`) is held to the same numbers by the browser test.
    #[test]
    fn gcj02_answers_the_map_page_is_held_to() {
        for ((lat, lon), (glat, glon)) in [
            ((29.9609, 121.7180), (29.958438534127385, 121.72225992928641)),
            ((29.98, 121.6), (29.977370977136335, 121.60409993755337)),
            ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
        ] {
            let (a, b) = crate::Position::new(lat, lon).unwrap().to_crs(Crs::Gcj02);
            assert!((a - glat).abs() < 1e-12 && (b - glon).abs() < 1e-12, "{lat}, {lon}: {a}, {b}");
        }
    }
}

//! PostgreSQL behind the storage seam, for a district that runs several server instances on
//! one database. The rules' SQL is the same as on SQLite: `?N` placeholders are rewritten to
//! `$N` (once per statement text), values adapt to the parameter types PostgreSQL infers, and
//! columns are read back by type. Write transactions run at SERIALIZABLE isolation and are run
//! again (a bounded number of times, with backoff) when PostgreSQL reports a serialization
//! failure or a deadlock; reads run in a read-only REPEATABLE READ transaction, so a read of
//! several statements sees one snapshot.
//!
//! Only the server enables the `postgres` feature; phones never link this.

use crate::db::{Database, Dialect, Row, Sql, Value};
use crate::error::{Error, Result};
use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, IsolationLevel, NoTls, Statement, Transaction};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Duration;

/// How many times a write is tried when PostgreSQL reports a conflict.
const MAX_ATTEMPTS: u32 = 12;
/// Statements cached per connection before the cache is cleared.
const MAX_CACHED_STATEMENTS: usize = 512;

/// One pooled connection with its prepared statements.
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

struct Pool {
    idle: Vec<Conn>,
    /// Connections open (idle or lent).
    open: usize,
}

/// A small pool of synchronous PostgreSQL connections.
pub struct PgDb {
    config: postgres::Config,
    size: usize,
    pool: Mutex<Pool>,
    returned: Condvar,
    rewrites: RwLock<HashMap<String, Arc<str>>>,
}

impl PgDb {
    /// Connects to `url` (`postgres://user:password@host:port/database`) with up to `pool_size`
    /// connections. One connection is opened at once so that a bad URL fails here.
    pub fn connect(url: &str, pool_size: usize) -> Result<Self> {
        let config: postgres::Config = url.parse().map_err(|e| Error::Database(format!("bad PostgreSQL URL: {e}")))?;
        let db = PgDb {
            config,
            size: pool_size.max(1),
            pool: Mutex::new(Pool { idle: Vec::new(), open: 0 }),
            returned: Condvar::new(),
            rewrites: RwLock::new(HashMap::new()),
        };
        let first = db.new_conn()?;
        {
            let mut pool = db.lock();
            pool.open = 1;
            pool.idle.push(first);
        }
        Ok(db)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn new_conn(&self) -> Result<Conn> {
        let client = self.config.connect(NoTls).map_err(|e| Error::Database(format!("could not connect to PostgreSQL: {e}")))?;
        Ok(Conn { client, statements: HashMap::new() })
    }

    /// Takes an idle connection, opens one if the pool is not full, or waits for one.
    fn acquire(&self) -> Result<Conn> {
        let mut pool = self.lock();
        loop {
            while let Some(conn) = pool.idle.pop() {
                if !conn.client.is_closed() {
                    return Ok(conn);
                }
                pool.open -= 1;
            }
            if pool.open < self.size {
                pool.open += 1;
                drop(pool);
                return self.new_conn().inspect_err(|_| {
                    self.lock().open -= 1;
                    self.returned.notify_one();
                });
            }
            pool = self.returned.wait(pool).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn release(&self, conn: Conn) {
        let mut pool = self.lock();
        if conn.client.is_closed() {
            pool.open -= 1;
        } else {
            pool.idle.push(conn);
        }
        drop(pool);
        self.returned.notify_one();
    }

    /// `?N` to `$N`, outside string literals and quoted names; cached per statement text.
    fn rewrite(&self, sql: &str) -> Arc<str> {
        if let Some(r) = self.rewrites.read().unwrap_or_else(|e| e.into_inner()).get(sql) {
            return r.clone();
        }
        let r: Arc<str> = rewrite_placeholders(sql).into();
        let mut map = self.rewrites.write().unwrap_or_else(|e| e.into_inner());
        if map.len() > 4096 {
            map.clear();
        }
        map.insert(sql.to_string(), r.clone());
        r
    }

    /// Runs `f` in a transaction of `isolation` on a pooled connection; `Ok(true)` if it committed,
    /// `Ok(false)` if PostgreSQL reported a conflict and the caller should try again.
    fn attempt(&self, isolation: IsolationLevel, read_only: bool, f: &mut dyn FnMut(&dyn Sql) -> Result<()>) -> Result<bool> {
        let mut conn = self.acquire()?;
        let result = (|| {
            let Conn { client, statements } = &mut conn;
            if statements.len() > MAX_CACHED_STATEMENTS {
                statements.clear();
            }
            let tx = client.build_transaction().isolation_level(isolation).read_only(read_only).start().map_err(pg_error)?;
            let sql = PgSql { db: self, tx: RefCell::new(tx), statements: RefCell::new(statements), conflict: Cell::new(false) };
            match f(&sql) {
                Ok(()) => {}
                Err(e) => {
                    let conflict = sql.conflict.get();
                    drop(sql.tx.into_inner().rollback());
                    return if conflict { Ok(false) } else { Err(e) };
                }
            }
            match sql.tx.into_inner().commit() {
                Ok(()) => Ok(true),
                Err(e) if is_conflict(&e) => Ok(false),
                Err(e) => Err(pg_error(e)),
            }
        })();
        self.release(conn);
        result
    }
}

impl Database for PgDb {
    fn write(&self, f: &mut dyn FnMut(&dyn Sql) -> Result<()>) -> Result<()> {
        for attempt in 0..MAX_ATTEMPTS {
            if self.attempt(IsolationLevel::Serializable, false, f)? {
                return Ok(());
            }
            std::thread::sleep(backoff(attempt));
        }
        Err(Error::Busy("the database stayed too busy to complete the change; try again".into()))
    }

    fn read(&self, f: &mut dyn FnMut(&dyn Sql) -> Result<()>) -> Result<()> {
        for attempt in 0..MAX_ATTEMPTS {
            if self.attempt(IsolationLevel::RepeatableRead, true, f)? {
                return Ok(());
            }
            std::thread::sleep(backoff(attempt));
        }
        Err(Error::Busy("the database stayed too busy to answer; try again".into()))
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

/// Creates an empty database `name` (UTF-8, C collation, so text sorts as on SQLite) on the
/// server of `base_url`, and returns the URL of the new database. For tests and first installs.
pub fn create_database(base_url: &str, name: &str) -> Result<String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::invalid("database name", "letters, digits and _ only"));
    }
    let mut client = base_url
        .parse::<postgres::Config>()
        .map_err(|e| Error::Database(format!("bad PostgreSQL URL: {e}")))?
        .connect(NoTls)
        .map_err(|e| Error::Database(format!("could not connect to PostgreSQL: {e}")))?;
    client
        .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"))
        .map_err(pg_error)?;
    with_database(base_url, name)
}

/// `base_url` with its database replaced by `name`.
pub fn with_database(base_url: &str, name: &str) -> Result<String> {
    let scheme_end = base_url.find("://").ok_or_else(|| Error::invalid("database URL", "expected postgres://..."))? + 3;
    let (head, rest) = base_url.split_at(scheme_end);
    let (rest, query) = match rest.find('?') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    Ok(format!("{head}{authority}/{name}{query}"))
}

/// Exponential backoff with jitter: about 1, 2, 4 ... ms, at most 100 ms.
fn backoff(attempt: u32) -> Duration {
    let base = (1u64 << attempt.min(7)).min(100);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let jitter = u64::from(nanos) % (base * 1000 + 1);
    Duration::from_micros(base * 500 + jitter / 2)
}

fn is_conflict(e: &postgres::Error) -> bool {
    matches!(e.code(), Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
}

fn pg_error(e: postgres::Error) -> Error {
    match e.as_db_error() {
        Some(db) => Error::Database(format!("{} ({})", db.message(), db.code().code())),
        None => Error::Database(e.to_string()),
    }
}

struct PgSql<'a> {
    db: &'a PgDb,
    tx: RefCell<Transaction<'a>>,
    statements: RefCell<&'a mut HashMap<String, Statement>>,
    /// Set when a statement failed with a serialization failure or deadlock.
    conflict: Cell<bool>,
}

impl PgSql<'_> {
    fn statement(&self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let text = self.db.rewrite(sql);
        let stmt = self.tx.borrow_mut().prepare(&text).map_err(|e| match self.fail(e) {
            // Name the statement: a statement PostgreSQL rejects is a bug to fix in the rules' SQL.
            Error::Database(m) => Error::Database(format!("{m} in: {}", crate::facility::truncate(sql.trim(), 200))),
            other => other,
        })?;
        self.statements.borrow_mut().insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }

    fn fail(&self, e: postgres::Error) -> Error {
        if is_conflict(&e) {
            self.conflict.set(true);
        }
        pg_error(e)
    }
}

fn params(args: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

impl Sql for PgSql<'_> {
    fn execute(&self, sql: &str, args: &[Value]) -> Result<usize> {
        let stmt = self.statement(sql)?;
        let n = self.tx.borrow_mut().execute(&stmt, &params(args)).map_err(|e| self.fail(e))?;
        Ok(n as usize)
    }

    fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>> {
        let stmt = self.statement(sql)?;
        let rows = self.tx.borrow_mut().query(&stmt, &params(args)).map_err(|e| self.fail(e))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.try_get::<_, Cell0>(i)
                            .map(|c| c.0)
                            .map_err(|e| Error::Database(format!("column {i} of type {} could not be read: {e}", r.columns()[i].type_())))
                    })
                    .collect::<Result<Vec<Value>>>()
                    .map(Row)
            })
            .collect()
    }

    fn batch(&self, sql: &str) -> Result<()> {
        self.tx.borrow_mut().batch_execute(sql).map_err(|e| self.fail(e))
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

/// Rewrites `?N` placeholders to `$N`, leaving string literals, quoted names and comments alone.
pub fn rewrite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' if chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

/// A value sent to PostgreSQL, shaped to the type PostgreSQL inferred for its parameter.
impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => i.to_string().to_sql(&Type::TEXT, out),
                _ => Err(format!("an integer cannot be sent as {ty}").into()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::INT8 if f.fract() == 0.0 => (*f as i64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => f.to_string().to_sql(&Type::TEXT, out),
                _ => Err(format!("a real number cannot be sent as {ty}").into()),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => s.as_str().to_sql(&Type::TEXT, out),
                _ => Err(format!("text cannot be sent as {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// One column read into a [`Value`] by its type.
struct Cell0(Value);

impl<'a> FromSql<'a> for Cell0 {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Cell0(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT2 => Value::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::OID => Value::Int(i64::from(u32::from_sql(ty, raw)?)),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::BOOL => Value::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::NUMERIC => numeric(raw)?,
            Type::VOID => Value::Null,
            _ => Value::Text(String::from_sql(&Type::TEXT, raw)?),
        }))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Cell0(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// PostgreSQL's binary NUMERIC (what SUM over BIGINT returns): an integer when it has no
/// fractional digits and fits, otherwise a double.
fn numeric(raw: &[u8]) -> std::result::Result<Value, Box<dyn std::error::Error + Sync + Send>> {
    let word = |i: usize| -> std::result::Result<i16, Box<dyn std::error::Error + Sync + Send>> {
        raw.get(i..i + 2).map(|b| i16::from_be_bytes([b[0], b[1]])).ok_or_else(|| "short numeric".into())
    };
    let ndigits = word(0)? as usize;
    let weight = i32::from(word(2)?);
    let sign = word(4)? as u16;
    let dscale = word(6)?;
    if sign == 0xC000 {
        return Ok(Value::Real(f64::NAN));
    }
    let negative = sign == 0x4000;
    let mut int: i128 = 0;
    let mut real = 0.0f64;
    let mut integral = dscale == 0;
    for k in 0..ndigits {
        let d = i128::from(word(8 + 2 * k)?);
        let power = weight - k as i32;
        real += d as f64 * 10_000f64.powi(power);
        if power >= 0 {
            int = int.checked_add(d.checked_mul(10_000i128.checked_pow(power as u32).ok_or("numeric too large")?).ok_or("numeric too large")?).ok_or("numeric too large")?;
        } else if d != 0 {
            integral = false;
        }
    }
    if negative {
        int = -int;
        real = -real;
    }
    Ok(match (integral, i64::try_from(int)) {
        (true, Ok(i)) => Value::Int(i),
        _ => Value::Real(real),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_literals() {
        assert_eq!(rewrite_placeholders("SELECT a FROM t WHERE x = ?1 AND y = '?2' AND z = ?12"), "SELECT a FROM t WHERE x = $1 AND y = '?2' AND z = $12");
        assert_eq!(rewrite_placeholders("SELECT \"?3\" -- ?4\n, ?5"), "SELECT \"?3\" -- ?4\n, $5");
    }

    #[test]
    fn urls_name_the_database() {
        assert_eq!(with_database("postgres://u:p@127.0.0.1:5432/postgres", "t1").unwrap(), "postgres://u:p@127.0.0.1:5432/t1");
        assert_eq!(with_database("postgres://h/x?sslmode=disable", "t2").unwrap(), "postgres://h/t2?sslmode=disable");
        assert_eq!(with_database("postgres://h", "t3").unwrap(), "postgres://h/t3");
    }

    #[test]
    fn numerics_decode() {
        // 12345678 = [1234, 5678], weight 1.
        let raw = [0u8, 2, 0, 1, 0, 0, 0, 0, 0x04, 0xD2, 0x16, 0x2E];
        assert_eq!(numeric(&raw).unwrap(), Value::Int(12_345_678));
        // -0.5 = [5000], weight -1, scale 1.
        let raw = [0u8, 1, 0xFF, 0xFF, 0x40, 0, 0, 1, 0x13, 0x88];
        assert_eq!(numeric(&raw).unwrap(), Value::Real(-0.5));
        // Zero has no digits.
        assert_eq!(numeric(&[0u8, 0, 0, 0, 0, 0, 0, 0]).unwrap(), Value::Int(0));
    }
}

//! The storage seam: domain rules speak SQL through [`Sql`], and a [`Database`] runs them in
//! transactions. The phone (and the default server) use SQLite; a district running several
//! server instances uses PostgreSQL (`db_postgres`, feature `postgres`). The SQL the rules
//! write is the common subset of both: `?N` placeholders (rewritten to `$N` for PostgreSQL),
//! integers as BIGINT (booleans 0/1), reals as DOUBLE PRECISION, times as RFC 3339 text.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// A value crossing the seam.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

pub trait ToValue {
    fn to_value(&self) -> Value;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
macro_rules! int_to_value {
    ($($t:ty),*) => {$(impl ToValue for $t {
        fn to_value(&self) -> Value { Value::Int(*self as i64) }
    })*};
}
int_to_value!(i32, i64, u32, u64, usize);
impl ToValue for DateTime<Utc> {
    fn to_value(&self) -> Value {
        Value::Text(crate::store::ts(*self))
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

/// Arguments for a statement: `args![id, name, 3]`.
#[macro_export]
macro_rules! args {
    ($($x:expr),* $(,)?) => { &[$($crate::db::ToValue::to_value(&$x)),*][..] };
}

pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Option<Self>;
}
impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}
impl FromValue for u32 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| u32::try_from(i).ok())
    }
}
impl FromValue for u64 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| u64::try_from(i).ok())
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Real(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).map(|i| i != 0)
    }
}
impl FromValue for DateTime<Utc> {
    fn from_value(v: &Value) -> Option<Self> {
        String::from_value(v).and_then(|s| crate::store::parse_ts(&s).ok())
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = self.0.get(i).ok_or_else(|| Error::Database(format!("column {i} missing")))?;
        T::from_value(v).ok_or_else(|| Error::Database(format!("column {i} has an unexpected type: {v:?}")))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection or transaction the rules run SQL on.
pub trait Sql {
    fn execute(&self, sql: &str, args: &[Value]) -> Result<usize>;
    fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>>;
    /// Several statements without arguments (migrations).
    fn batch(&self, sql: &str) -> Result<()>;
    fn dialect(&self) -> Dialect;
}

/// Conveniences over any [`Sql`].
pub trait SqlExt: Sql {
    fn one(&self, sql: &str, args: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, args)?.into_iter().next())
    }
    fn exists(&self, sql: &str, args: &[Value]) -> Result<bool> {
        Ok(!self.query(sql, args)?.is_empty())
    }
    fn scalar<T: FromValue>(&self, sql: &str, args: &[Value]) -> Result<T> {
        self.one(sql, args)?.ok_or_else(|| Error::Database("query returned no row".into()))?.get(0)
    }
}

impl<S: Sql + ?Sized> SqlExt for S {}

/// A database the rules run on. `write` runs `f` in one serializable transaction and may run
/// it again if the database reports a conflict, so `f` must not have effects outside it.
pub trait Database: Send + Sync {
    fn write(&self, f: &mut dyn FnMut(&dyn Sql) -> Result<()>) -> Result<()>;
    fn read(&self, f: &mut dyn FnMut(&dyn Sql) -> Result<()>) -> Result<()>;
    fn dialect(&self) -> Dialect;
}

/// SQLite: one connection, WAL, writes as `BEGIN IMMEDIATE` transactions.
pub struct SqliteDb {
    conn: std::sync::Mutex<rusqlite::Connection>,
}

impl SqliteDb {
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Database(format!("could not switch to WAL (got {mode})")));
        }
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::init(rusqlite::Connection::open_in_memory()?)
    }

    fn init(conn: rusqlite::Connection) -> Result<Self> {
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;")?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(SqliteDb { conn: std::sync::Mutex::new(conn) })
    }

    fn lock(&self) -> Result<Held<'_>> {
        // Calling back into the store from inside a transaction would wait on itself forever:
        // make it an error instead.
        if IN_SQLITE.with(|held| held.replace(true)) {
            return Err(Error::Database("re-entrant use of the database from inside a transaction".into()));
        }
        // A panic while holding the lock leaves no half-written state: an open transaction
        // rolls back on drop. So a poisoned lock is still usable.
        Ok(Held(self.conn.lock().unwrap_or_else(|e| e.into_inner())))
    }
}

thread_local! {
    static IN_SQLITE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The connection, held by this thread until dropped.
struct Held<'a>(std::sync::MutexGuard<'a, rusqlite::Connection>);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        IN_SQLITE.with(|held| held.set(false));
    }
}

impl Database for SqliteDb {
    fn write(&self, f: &mut dyn FnMut(&dyn Sql) -> Result<()>) -> Result<()> {
        let mut conn = self.lock()?;
        let tx = conn.0.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        f(&SqliteSql(&tx))?;
        tx.commit()?;
        Ok(())
    }
    fn read(&self, f: &mut dyn FnMut(&dyn Sql) -> Result<()>) -> Result<()> {
        // One deferred transaction: every statement of the read sees the same snapshot, even
        // while another process (a CLI job, a second server) writes the file.
        let mut conn = self.lock()?;
        let tx = conn.0.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?;
        f(&SqliteSql(&tx))?;
        tx.commit()?;
        Ok(())
    }
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

struct SqliteSql<'a>(&'a rusqlite::Connection);

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

impl Sql for SqliteSql<'_> {
    fn execute(&self, sql: &str, args: &[Value]) -> Result<usize> {
        Ok(self.0.prepare_cached(sql)?.execute(rusqlite::params_from_iter(args))?)
    }
    fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>> {
        use rusqlite::types::ValueRef;
        let mut stmt = self.0.prepare_cached(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                values.push(match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(_) => return Err(Error::Database("unexpected blob".into())),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }
    fn batch(&self, sql: &str) -> Result<()> {
        Ok(self.0.execute_batch(sql)?)
    }
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

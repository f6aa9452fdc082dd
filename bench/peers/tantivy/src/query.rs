//! `query` mode: runs bench/query_set.py's query file over the index, warm,
//! single-threaded, in-process, and prints one JSON line per query (the
//! same protocol as bench/query_bench.cc): its hit count, its top 10 ids with
//! their sort keys, and its time in µs on each timed pass.
//!
//! A query's structured form: `terms` combined by `op` ("and" / "or"), each
//! term matched in every text field (a SHOULD clause per field, so that its
//! BM25 score is summed over the fields, as freshet scores a term without a
//! field), AND an optional `keyword` filter (exact value) AND an optional
//! `range` filter (inclusive, on a numeric fast field). Filters score 0.
//! `sort`: "id" (ad_id ascending), "score" (BM25, Tantivy's idf and average
//! field length are over every doc, as freshet's), or "FIELD:desc". Every
//! query counts all its matches (freshet reports exact totals), so the top
//! 10 is collected beside a `Count`, which rules out block-max WAND.

use std::ops::Bound;
use std::time::Instant;

use serde_json::Value;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value as _};
use tantivy::{DocAddress, Index, Order, Searcher, TantivyDocument, Term};

use crate::TEXT;

struct BenchQuery {
    id: i64,
    terms: Vec<String>,
    and: bool,
    keyword: Option<(String, String)>,
    range: Option<(String, f64, f64)>,
    sort: String,
}

fn parse(line: &str, number: usize) -> BenchQuery {
    let v: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("queries line {number}: not JSON: {e}"));
    let field = |name: &str| {
        v.get(name)
            .unwrap_or_else(|| panic!("queries line {number}: no '{name}'"))
    };
    BenchQuery {
        id: field("id").as_i64().expect("id: an integer"),
        terms: field("terms")
            .as_array()
            .expect("terms: an array")
            .iter()
            .map(|t| t.as_str().expect("a term").to_string())
            .collect(),
        and: field("op").as_str() == Some("and"),
        keyword: v.get("keyword").filter(|k| !k.is_null()).map(|k| {
            (
                k["field"].as_str().expect("keyword.field").to_string(),
                k["value"].as_str().expect("keyword.value").to_string(),
            )
        }),
        range: v.get("range").filter(|r| !r.is_null()).map(|r| {
            (
                r["field"].as_str().expect("range.field").to_string(),
                r["lo"].as_f64().expect("range.lo"),
                r["hi"].as_f64().expect("range.hi"),
            )
        }),
        sort: field("sort").as_str().expect("sort").to_string(),
    }
}

fn field(index: &Index, name: &str) -> Field {
    index
        .schema()
        .get_field(name)
        .unwrap_or_else(|_| panic!("no field {name}"))
}

fn build_query(index: &Index, q: &BenchQuery) -> Box<dyn Query> {
    let text_fields: Vec<Field> = TEXT.iter().map(|f| field(index, f)).collect();
    let term_query = |t: &str| -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            text_fields
                .iter()
                .map(|f| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(*f, t),
                        IndexRecordOption::WithFreqs,
                    ));
                    (Occur::Should, q)
                })
                .collect(),
        ))
    };
    let occur = if q.and { Occur::Must } else { Occur::Should };
    let terms: Box<dyn Query> = Box::new(BooleanQuery::new(
        q.terms.iter().map(|t| (occur, term_query(t))).collect(),
    ));
    let mut clauses = vec![(Occur::Must, terms)];
    if let Some((name, value)) = &q.keyword {
        let f = field(index, &format!("{name}.kw"));
        let tq = TermQuery::new(Term::from_field_text(f, value), IndexRecordOption::Basic);
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(tq), 0.0)),
        ));
    }
    if let Some((name, lo, hi)) = &q.range {
        let f = field(index, name);
        let rq = RangeQuery::new(
            Bound::Included(Term::from_field_f64(f, *lo)),
            Bound::Included(Term::from_field_f64(f, *hi)),
        );
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(rq), 0.0)),
        ));
    }
    if clauses.len() == 1 {
        return clauses.pop().unwrap().1;
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Runs one query: (total, top-10 ids, their sort keys).
fn search(
    index: &Index,
    searcher: &Searcher,
    q: &BenchQuery,
    ad_id: Field,
) -> tantivy::Result<(usize, Vec<String>, Vec<f64>)> {
    let query = build_query(index, q);
    let top = TopDocs::with_limit(10);
    let (total, hits): (usize, Vec<(f64, DocAddress)>) = if q.sort == "id" {
        let (n, h) = searcher.search(
            &query,
            &(
                Count,
                top.order_by_string_fast_field("ad_id.kw", Order::Asc),
            ),
        )?;
        (n, h.into_iter().map(|(_, d)| (0.0, d)).collect())
    } else if q.sort == "score" {
        let (n, h) = searcher.search(&query, &(Count, top.order_by_score()))?;
        (n, h.into_iter().map(|(s, d)| (s as f64, d)).collect())
    } else {
        let name = q.sort.trim_end_matches(":desc");
        let (n, h) = searcher.search(
            &query,
            &(Count, top.order_by_fast_field::<f64>(name, Order::Desc)),
        )?;
        (
            n,
            h.into_iter()
                .map(|(v, d)| (v.unwrap_or(f64::NAN), d))
                .collect(),
        )
    };
    let mut ids = Vec::with_capacity(hits.len());
    let mut keys = Vec::with_capacity(hits.len());
    for (key, address) in hits {
        let doc: TantivyDocument = searcher.doc(address)?;
        let id = doc.get_first(ad_id).and_then(|v| v.as_str()).unwrap_or("");
        ids.push(id.to_string());
        keys.push(key);
    }
    Ok((total, ids, keys))
}

pub fn run(
    index: &Index,
    docs: u64,
    build_seconds: f64,
    query_path: &str,
    passes: usize,
) -> tantivy::Result<()> {
    let text = std::fs::read_to_string(query_path)?;
    let queries: Vec<BenchQuery> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| parse(l, i + 1))
        .collect();
    let reader = index.reader()?;
    let searcher = reader.searcher();
    let ad_id = field(index, "ad_id.kw");
    println!(
        "{{\"engine\":\"tantivy\",\"docs\":{docs},\"build_seconds\":{build_seconds:.3},\"segments\":{},\"passes\":{passes}}}",
        searcher.segment_readers().len()
    );
    let mut answers = Vec::with_capacity(queries.len());
    let mut micros = vec![Vec::with_capacity(passes); queries.len()];
    for pass in 0..=passes {
        for (i, q) in queries.iter().enumerate() {
            let start = Instant::now();
            let answer = search(index, &searcher, q, ad_id)?;
            let us = start.elapsed().as_secs_f64() * 1e6;
            if pass == 0 {
                answers.push(answer);
            } else {
                micros[i].push(us);
            }
        }
    }
    for (i, q) in queries.iter().enumerate() {
        let (total, ids, keys) = &answers[i];
        let line = serde_json::json!({"id": q.id, "total": total, "hits": ids, "keys": keys,
                                      "us": micros[i]});
        println!("{line}");
    }
    Ok(())
}

package freshet.bench;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.CollectionStatistics;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.SortedNumericSelector;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermStatistics;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.search.TopScoreDocCollectorManager;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;

/**
 * {@code query} mode of the Lucene peer: runs bench/query_set.py's query file over the index,
 * warm, single-threaded (an IndexSearcher without executor), in-process, and prints one JSON line
 * per query (the protocol of bench/query_bench.cc): its hit count, its top 10 ids with their sort
 * keys, and its time in µs on each timed pass.
 *
 * <p>A query's structured form: {@code terms} combined by {@code op} ("and" / "or"), each term a
 * SHOULD clause per text field (its BM25 score summed over the fields, as freshet scores a term
 * without a field), plus an optional {@code keyword} filter and an optional inclusive numeric
 * {@code range} filter (FILTER clauses: no score). {@code sort}: "id" (ad_id ascending), "score"
 * (BM25) or "FIELD:desc" (ties by ad_id, as freshet). Every query counts all its matches (freshet
 * reports exact totals): the total-hits threshold is unbounded, which rules out block-max WAND.
 */
final class LuceneQueries {
  /** The query file's lines: objects as Map, numbers as Double (Gson's untyped form). */
  private static final Gson GSON = new Gson();

  private LuceneQueries() {}

  /**
   * BM25 with freshet's collection statistics: N is every doc of the index and a field's average
   * length is over every doc, where Lucene's default counts only the docs holding the field.
   */
  static final class FreshetBm25 extends BM25Similarity {
    @Override
    public Explanation idfExplain(CollectionStatistics collection, TermStatistics term) {
      float idf = idf(term.docFreq(), collection.maxDoc());
      return Explanation.match(idf, "idf over every doc");
    }

    @Override
    protected float avgFieldLength(CollectionStatistics collection) {
      return (float) (collection.sumTotalTermFreq() / (double) collection.maxDoc());
    }
  }

  record Answer(long total, List<String> ids, List<Double> keys) {}

  static Query build(Map<String, Object> q) {
    boolean and = "and".equals(q.get("op"));
    BooleanQuery.Builder terms = new BooleanQuery.Builder();
    for (Object t : (List<?>) q.get("terms")) {
      BooleanQuery.Builder fields = new BooleanQuery.Builder();
      for (String f : LucenePeer.TEXT) {
        fields.add(new TermQuery(new Term(f, (String) t)), BooleanClause.Occur.SHOULD);
      }
      terms.add(fields.build(), and ? BooleanClause.Occur.MUST : BooleanClause.Occur.SHOULD);
    }
    BooleanQuery.Builder all = new BooleanQuery.Builder();
    all.add(terms.build(), BooleanClause.Occur.MUST);
    if (q.get("keyword") instanceof Map<?, ?> k) {
      all.add(
          new TermQuery(new Term(k.get("field") + ".kw", (String) k.get("value"))),
          BooleanClause.Occur.FILTER);
    }
    if (q.get("range") instanceof Map<?, ?> r) {
      all.add(
          DoubleField.newRangeQuery(
              (String) r.get("field"), (Double) r.get("lo"), (Double) r.get("hi")),
          BooleanClause.Occur.FILTER);
    }
    return all.build();
  }

  static Answer search(IndexSearcher searcher, StoredFields stored, Map<String, Object> q)
      throws IOException {
    Query query = build(q);
    String sort = (String) q.get("sort");
    TopDocs top;
    if (sort.equals("score")) {
      top = searcher.search(query, new TopScoreDocCollectorManager(10, null, Integer.MAX_VALUE));
    } else {
      SortField id = new SortField("ad_id", SortField.Type.STRING);
      Sort order =
          sort.equals("id")
              ? new Sort(id)
              : new Sort(
                  DoubleField.newSortField(
                      sort.replace(":desc", ""), true, SortedNumericSelector.Type.MIN),
                  id);
      top = searcher.search(query, new TopFieldCollectorManager(order, 10, null, Integer.MAX_VALUE));
    }
    List<String> ids = new ArrayList<>();
    List<Double> keys = new ArrayList<>();
    for (ScoreDoc d : top.scoreDocs) {
      Document doc = stored.document(d.doc);
      ids.add(doc.get("ad_id"));
      if (sort.equals("score")) {
        keys.add((double) d.score);
      } else if (sort.equals("id")) {
        keys.add(0.0);
      } else {
        keys.add((Double) ((FieldDoc) d).fields[0]);
      }
    }
    return new Answer(top.totalHits.value, ids, keys);
  }

  static void run(Path index, long docs, double buildSeconds, Path queryPath, int passes)
      throws IOException {
    List<Map<String, Object>> queries = new ArrayList<>();
    int number = 0;
    for (String line : Files.readAllLines(queryPath, StandardCharsets.UTF_8)) {
      ++number;
      if (line.isEmpty()) continue;
      Object parsed;
      try {
        parsed = GSON.fromJson(line, Object.class);
      } catch (JsonParseException e) {
        throw new IOException(queryPath + ":" + number + ": " + e.getMessage(), e);
      }
      if (!(parsed instanceof Map<?, ?> m)) {
        throw new IOException(queryPath + ":" + number + ": expected a JSON object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> q = (Map<String, Object>) m;
      queries.add(q);
    }
    try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(index))) {
      IndexSearcher searcher = new IndexSearcher(reader);
      searcher.setSimilarity(new FreshetBm25());
      StoredFields stored = searcher.storedFields();
      System.out.printf(
          Locale.ROOT,
          "{\"engine\":\"lucene\",\"docs\":%d,\"build_seconds\":%.3f,\"segments\":%d,\"passes\":%d}%n",
          docs, buildSeconds, reader.leaves().size(), passes);
      Answer[] answers = new Answer[queries.size()];
      double[][] micros = new double[queries.size()][passes];
      for (int pass = 0; pass <= passes; ++pass) {
        for (int i = 0; i < queries.size(); ++i) {
          long start = System.nanoTime();
          Answer a = search(searcher, stored, queries.get(i));
          double us = (System.nanoTime() - start) / 1e3;
          if (pass == 0) {
            answers[i] = a;
          } else {
            micros[i][pass - 1] = us;
          }
        }
      }
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < queries.size(); ++i) {
        Answer a = answers[i];
        out.append("{\"id\":").append(((Double) queries.get(i).get("id")).longValue());
        out.append(",\"total\":").append(a.total()).append(",\"hits\":[");
        for (int j = 0; j < a.ids().size(); ++j) {
          out.append(j == 0 ? "" : ",").append(GSON.toJson(a.ids().get(j)));
        }
        out.append("],\"keys\":[");
        for (int j = 0; j < a.keys().size(); ++j) {
          out.append(j == 0 ? "" : ",").append(a.keys().get(j));
        }
        out.append("],\"us\":[");
        for (int j = 0; j < passes; ++j) {
          out.append(j == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1f", micros[i][j]));
        }
        out.append("]}\n");
      }
      System.out.print(out);
    }
  }
}

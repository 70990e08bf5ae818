package io.fleetcontrol.controller.readside;

import com.datastax.oss.driver.api.core.uuid.Uuids;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * How far each projection is behind the journal: the age of the oldest event of its tag that it has
 * not processed yet (0 when it has processed them all). Unlike the lag its handler reports after a
 * write, this keeps growing while a projection is stuck and writes nothing. Read from the offset
 * store and the journal's events-by-tag table, by any node: every node reports every projection.
 */
public final class ProjectionBacklog {

  /** The Cassandra plugin's manifest for a time-based UUID offset, the only kind events-by-tag stores. */
  private static final String TIME_UUID = "TBU";
  /** Buckets read at most per projection: beyond two days behind, the figure is a lower bound. */
  private static final int MAX_BUCKETS = 48;

  private final CassandraSession session;
  private final String offsetTable;
  private final String tagViews;
  private final long bucketMillis;
  private final Clock clock;

  /** {@code bucket}: the journal's events-by-tag bucket size (the tag_views partition span). */
  public ProjectionBacklog(CassandraSession session, String readKeyspace, String journalKeyspace, Duration bucket,
      Clock clock) {
    this.session = session;
    this.offsetTable = readKeyspace + ".offset_store";
    this.tagViews = journalKeyspace + ".tag_views";
    this.bucketMillis = bucket.toMillis();
    this.clock = clock;
  }

  /** The backlog per projection, named {@code <projection>-<tag>} as the handlers' lag is. */
  public CompletionStage<Map<String, Duration>> measure() {
    Instant now = clock.instant();
    return session.selectAll("SELECT projection_name, projection_key, offset, manifest FROM " + offsetTable)
        .thenCompose(rows -> {
          Map<String, Duration> backlog = new TreeMap<>();
          CompletionStage<Map<String, Duration>> all = CompletableFuture.completedFuture(backlog);
          for (var row : rows) {
            if (!TIME_UUID.equals(row.getString("manifest"))) {
              continue;
            }
            String tag = row.getString("projection_key");
            String name = row.getString("projection_name") + "-" + tag;
            UUID offset = UUID.fromString(row.getString("offset"));
            all = all.thenCompose(map -> firstAfter(tag, offset, now).thenApply(first -> {
              map.put(name, first.map(at -> Duration.between(at, now)).filter(age -> !age.isNegative())
                  .orElse(Duration.ZERO));
              return map;
            }));
          }
          return all;
        });
  }

  /** The time of the first event of {@code tag} after {@code offset}, bucket by bucket up to now. */
  private CompletionStage<Optional<Instant>> firstAfter(String tag, UUID offset, Instant now) {
    long last = bucketOf(now.toEpochMilli());
    long first = Math.max(bucketOf(Uuids.unixTimestamp(offset)), last - (MAX_BUCKETS - 1) * bucketMillis);
    return firstFrom(tag, offset, first, last);
  }

  private CompletionStage<Optional<Instant>> firstFrom(String tag, UUID offset, long bucket, long last) {
    if (bucket > last) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return session.selectOne("SELECT timestamp FROM " + tagViews
            + " WHERE tag_name = ? AND timebucket = ? AND timestamp > ? LIMIT 1", tag, bucket, offset)
        .thenCompose(row -> row.isPresent()
            ? CompletableFuture.completedFuture(
                Optional.of(Instant.ofEpochMilli(Uuids.unixTimestamp(row.get().getUuid("timestamp")))))
            : firstFrom(tag, offset, bucket + bucketMillis, last));
  }

  private long bucketOf(long epochMillis) {
    return epochMillis - Math.floorMod(epochMillis, bucketMillis);
  }
}

package io.fleetcontrol.controller.metrics;

import com.typesafe.config.Config;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.cassandra.journal.CassandraJournal;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * The Cassandra journal, timing each batch of writes it is given (persistence.conf names this class
 * as the journal plugin): how long an entity waits for its facts to be durable, which the driver's
 * per-session latency cannot tell apart from the recoveries and tag queries sharing the session.
 */
public class MeasuredCassandraJournal extends CassandraJournal {

  private final FleetMetrics metrics;

  public MeasuredCassandraJournal(Config config, String configPath) {
    super(config, configPath);
    this.metrics = FleetMetrics.get(Adapter.toTyped(context().system()));
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    // A batch fails whole (the future fails) or per write (a rejected event); either is an error.
    long start = System.nanoTime();
    return timed(start, super.asyncWriteMessages(messages), writes -> writes.forall(Try::isSuccess), metrics);
  }

  /**
   * {@code written}, recorded in {@code fleet_journal_write_seconds} from {@code start} (nanoTime)
   * when it completes. JournalTimingBenchmark weighs what this adds.
   */
  static <T> Future<T> timed(long start, Future<T> written, Predicate<T> ok, FleetMetrics metrics) {
    written.onComplete(outcome -> {
      metrics.journalWrite(System.nanoTime() - start, outcome.isSuccess() && ok.test(outcome.get()));
      return BoxedUnit.UNIT;
    }, scala.concurrent.ExecutionContext.parasitic$.MODULE$);
    return written;
  }
}

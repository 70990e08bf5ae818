package io.fleetcontrol.controller.metrics;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import scala.concurrent.Future;
import scala.concurrent.Promise;
import scala.runtime.BoxedUnit;
import scala.util.Success;

/**
 * What {@link MeasuredCassandraJournal} adds to each journal write batch: a completion callback and
 * a timer record, against the same write future without them, in one run (docs: BENCHMARKS.md).
 * Run: {@code java -cp <fleet-controller test classpath> io.fleetcontrol.controller.metrics.JournalTimingBenchmark [batches]}.
 */
public final class JournalTimingBenchmark {

  private JournalTimingBenchmark() {}

  public static void main(String[] args) {
    int batches = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench",
        ConfigFactory.parseString("pekko.actor.provider = local").withFallback(ConfigFactory.load()));
    FleetMetrics metrics = FleetMetrics.get(system);
    try {
      for (int round = 1; round <= 3; round++) {
        long plain = run(batches, null);
        long measured = run(batches, metrics);
        System.out.printf("round %d: %d batches, plain %.1f ns/batch, measured %.1f ns/batch, added %.1f ns%n",
            round, batches, plain / (double) batches, measured / (double) batches, (measured - plain) / (double) batches);
      }
    } finally {
      system.terminate();
    }
  }

  /** Nanoseconds for {@code batches} writes whose futures complete, timed the way the journal times them when {@code metrics} is set. */
  private static long run(int batches, FleetMetrics metrics) {
    long start = System.nanoTime();
    for (int i = 0; i < batches; i++) {
      long began = System.nanoTime();
      Promise<BoxedUnit> write = Promise.apply();
      Future<BoxedUnit> written = write.future();
      if (metrics != null) {
        MeasuredCassandraJournal.timed(began, written, unit -> true, metrics);
      }
      write.complete(new Success<>(BoxedUnit.UNIT));
    }
    return System.nanoTime() - start;
  }
}

package io.fleetcontrol.agent.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The gate records from many connections at once; each heartbeat drains. */
class UploadMeterTest {

  @Test
  void drainGivesTheBytesSinceTheLastDrainAndTotalKeepsCounting() {
    UploadMeter meter = new UploadMeter();
    meter.record(100);
    meter.record(23);
    assertEquals(123, meter.drain());
    assertEquals(0, meter.drain(), "drained bytes are not reported twice");
    meter.record(7);
    assertEquals(7, meter.drain());
    assertEquals(130, meter.total());
  }

  @Test
  void fourThreadsRecordingAtOnceAddUpExactly() throws Exception {
    UploadMeter meter = new UploadMeter();
    int threads = 4;
    int recordsEach = 100_000;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < recordsEach; i++) {
            meter.record(3);
          }
          return null;
        }));
      }
      start.countDown();
      long drainedMeanwhile = 0;
      for (Future<?> f : done) {
        drainedMeanwhile += meter.drain();
        f.get();
      }
      long expected = 3L * threads * recordsEach;
      assertEquals(expected, drainedMeanwhile + meter.drain(), "draining while recording loses nothing");
      assertEquals(expected, meter.total());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void negativeBytesAreRefused() {
    UploadMeter meter = new UploadMeter();
    var refused = assertThrows(IllegalArgumentException.class, () -> meter.record(-1));
    assertTrue(refused.getMessage().contains("negative"), refused.getMessage());
    assertEquals(0, meter.total());
  }
}

package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CountLagTest {

  private static final long S = 1_000_000_000L;

  @Test
  void eachDevicesLagIsWhenTheReadSideFirstShowedItsCountMinusWhenTheFleetHadIt() {
    CountLag lag = new CountLag();
    // The fleet: 50 devices at 1 s, 100 at 2 s. The read side: 50 at 3 s, 100 at 7 s.
    lag.fleet(1 * S, 50);
    lag.fleet(2 * S, 100);
    lag.shown(1 * S, 0);
    lag.shown(3 * S, 50);
    lag.shown(5 * S, 60);
    lag.shown(7 * S, 100);

    CountLag.Summary summary = lag.summary(100);

    // Devices 1..50 trail by 2 s, 51..60 by 3 s, 61..100 by 5 s.
    assertEquals(2.0, summary.p50Seconds());
    assertEquals(5.0, summary.p99Seconds());
    assertEquals(5.0, summary.maxSeconds());
    // At 1 s the read side showed 0 of the fleet's 50, at 3 s 50 of 100, at 5 s 60 of 100: 50 short at worst.
    assertEquals(0.50, summary.maxUnderCountShare());
    assertEquals(0, summary.unseen());
  }

  @Test
  void devicesTheReadSideNeverShowedAreCountedApartAndAReadSideAheadIsNoLag() {
    CountLag lag = new CountLag();
    lag.fleet(2 * S, 10);
    lag.shown(1 * S, 8);
    lag.shown(3 * S, 8);

    CountLag.Summary summary = lag.summary(10);

    assertEquals(0.0, summary.maxSeconds());
    assertEquals(2, summary.unseen());
    assertEquals(0.2, summary.maxUnderCountShare(), 1e-9);
  }

  @Test
  void aFigureThereIsNoneOfIsJsonNullNotNaN() {
    CountLag.Summary none = new CountLag().summary(10);
    assertEquals("\"x_lag_p50_s\":null,\"x_lag_p99_s\":null,\"x_lag_max_s\":null,\"x_max_undercount_pct\":0.00,"
        + "\"x_unseen\":0", none.json("x"));
  }
}

package io.fleetcontrol.controller.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  @Test
  void aBucketGivesItsBurstThenOneTokenPerIntervalAndSaysWhenTheNextComes() {
    RateLimit.Bucket bucket = new RateLimit(20, 10).newBucket(nanos::get);
    for (int i = 0; i < 10; i++) {
      assertTrue(bucket.tryTake(), "burst token " + i);
    }
    assertFalse(bucket.tryTake());
    assertEquals(Duration.ofSeconds(3), bucket.nextIn(), "20 a minute: one every 3 s");
    advance(Duration.ofSeconds(2));
    assertFalse(bucket.tryTake());
    advance(Duration.ofSeconds(1));
    assertTrue(bucket.tryTake());
    assertFalse(bucket.tryTake());
    advance(Duration.ofHours(1));
    assertTrue(bucket.full(), "refills up to the burst, no further");
  }

  @Test
  void perKeyBucketsAreIndependentAndBoundedInNumber() {
    RateLimit.PerKey limits = new RateLimit.PerKey(new RateLimit(60, 2), 3, nanos::get);
    assertTrue(limits.tryTake("10.0.0.1"));
    assertTrue(limits.tryTake("10.0.0.1"));
    assertFalse(limits.tryTake("10.0.0.1"), "burst of 2 spent");
    assertTrue(limits.tryTake("10.0.0.2"), "another address has its own bucket");
    assertTrue(limits.tryTake("10.0.0.3"));
    assertFalse(limits.tryTake("10.0.0.4"), "three addresses in use: a fourth waits rather than grow the map");
    advance(Duration.ofSeconds(10));
    assertTrue(limits.tryTake("10.0.0.4"), "full buckets are forgotten to make room");
    assertTrue(limits.size() <= 3, "size " + limits.size());
  }

  @Test
  void theLimitReadsInWords() {
    assertEquals("20 per minute (burst 10)", new RateLimit(20, 10).words());
  }

  @Test
  void anAddressLosesItsPortIpv4AndIpv6() {
    assertEquals("10.1.2.3", RateLimit.addressOf("10.1.2.3:5555"));
    assertEquals("2001:db8:0:7::/64", RateLimit.addressOf("2001:db8:0:7:0:0:0:1:5555"));
    assertEquals("2001:db8:0:7::/64", RateLimit.addressOf("2001:db8:0:7:aa:bb:cc:dd:6666"),
        "one host's /64 is one caller");
    assertEquals("unknown", RateLimit.addressOf("unknown"));
  }
}

package io.fleetcontrol.controller.grpc;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A rate with a burst, as ops configure it ({@code per-minute}, {@code burst}), and the token
 * buckets that enforce it: one per device stream, one per caller address. Limits are per node: a
 * client that spreads over nodes gets a node's allowance on each, which still bounds it.
 */
public record RateLimit(double perMinute, int burst) {

  public RateLimit {
    if (perMinute <= 0 || burst < 1) {
      throw new IllegalArgumentException("a rate limit needs per-minute > 0 and burst >= 1");
    }
  }

  public static RateLimit fromConfig(Config config) {
    return new RateLimit(config.getDouble("per-minute"), config.getInt("burst"));
  }

  /** How the limit reads in a refusal, e.g. "20 per minute (burst 10)". */
  public String words() {
    String rate = perMinute == Math.rint(perMinute) ? Long.toString((long) perMinute) : Double.toString(perMinute);
    return rate + " per minute (burst " + burst + ")";
  }

  public Bucket newBucket(LongSupplier nanoTime) {
    return new Bucket(this, nanoTime);
  }

  /** Starts full; each call takes a token if there is one. Thread-safe, but cheap when uncontended. */
  public static final class Bucket {
    private final RateLimit limit;
    private final LongSupplier nanoTime;
    private double tokens;
    private long refilledAt;

    private Bucket(RateLimit limit, LongSupplier nanoTime) {
      this.limit = limit;
      this.nanoTime = nanoTime;
      this.tokens = limit.burst;
      this.refilledAt = nanoTime.getAsLong();
    }

    public synchronized boolean tryTake() {
      refill();
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }

    /** When the next token comes; zero when one is there now. */
    public synchronized Duration nextIn() {
      refill();
      if (tokens >= 1) {
        return Duration.ZERO;
      }
      return Duration.ofNanos((long) Math.ceil((1 - tokens) * 60e9 / limit.perMinute));
    }

    /** Full again: nobody has used it for a while, so forgetting it changes nothing. */
    synchronized boolean full() {
      refill();
      return tokens >= limit.burst;
    }

    private void refill() {
      long now = nanoTime.getAsLong();
      tokens = Math.min(limit.burst, tokens + (now - refilledAt) * limit.perMinute / 60e9);
      refilledAt = now;
    }
  }

  /**
   * One bucket per key (a caller address, a device). Bounded: past {@code maxKeys} the full buckets are
   * dropped (a full bucket is the same as none), so a caller cycling through addresses cannot grow
   * the map for ever; if every bucket is in use, the new key is refused until some fill again.
   */
  public static final class PerKey {
    private final RateLimit limit;
    private final int maxKeys;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    public PerKey(RateLimit limit, int maxKeys, LongSupplier nanoTime) {
      this.limit = limit;
      this.maxKeys = maxKeys;
      this.nanoTime = nanoTime;
    }

    public RateLimit limit() {
      return limit;
    }

    public boolean tryTake(String key) {
      Bucket bucket = bucket(key);
      return bucket != null && bucket.tryTake();
    }

    /** The key's bucket, made full if it has none; null while every place is taken by a busy key. */
    public Bucket bucket(String key) {
      Bucket bucket = buckets.get(key);
      if (bucket == null) {
        if (buckets.size() >= maxKeys) {
          buckets.values().removeIf(Bucket::full);
          if (buckets.size() >= maxKeys) {
            return null;
          }
        }
        bucket = buckets.computeIfAbsent(key, k -> limit.newBucket(nanoTime));
      }
      return bucket;
    }

    public Duration nextIn(String key) {
      Bucket bucket = buckets.get(key);
      return bucket == null ? Duration.ZERO : bucket.nextIn();
    }

    int size() {
      return buckets.size();
    }
  }

  /**
   * Whom a limit per address counts: the IPv4 address of "10.0.0.7:51234", or for IPv6
   * ("fe80:0:0:0:0:0:0:1:51234", as the JDK writes it) its /64, since one host is given a whole /64.
   */
  public static String addressOf(String peer) {
    int colon = peer.lastIndexOf(':');
    String address = colon > 0 ? peer.substring(0, colon) : peer;
    String[] groups = address.split(":");
    if (groups.length == 8) {
      return String.join(":", groups[0], groups[1], groups[2], groups[3]) + "::/64";
    }
    return address;
  }
}

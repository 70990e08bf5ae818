package io.fleetcontrol.agent.telemetry;

import java.util.concurrent.atomic.AtomicLong;

/** Bytes the capture tool reported uploading: fed by the gate, drained by each heartbeat. */
public final class UploadMeter {

  private final AtomicLong sinceDrain = new AtomicLong();
  private final AtomicLong total = new AtomicLong();

  public void record(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("uploaded bytes cannot be negative: " + bytes);
    }
    sinceDrain.addAndGet(bytes);
    total.addAndGet(bytes);
  }

  /** Bytes since the previous drain; the count starts again at zero. */
  public long drain() {
    return sinceDrain.getAndSet(0);
  }

  public long total() {
    return total.get();
  }
}

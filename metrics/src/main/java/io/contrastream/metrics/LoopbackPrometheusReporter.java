package io.contrastream.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;

/**
 * Flink's Prometheus reporter (the same metric names, labels and text format as
 * {@code flink-metrics-prometheus}), serving {@code /metrics} on a chosen address instead of every
 * interface. Created by {@link LoopbackPrometheusReporterFactory}.
 *
 * <pre>{@code
 * LoopbackPrometheusReporter r = new LoopbackPrometheusReporter("127.0.0.1", "9249-9259");
 * r.open(new MetricConfig());          // Flink does this; r.port() is the port it took
 * }</pre>
 *
 * <p>Why not Flink's own {@code PrometheusReporter}: it binds {@code new InetSocketAddress(port)}, all
 * interfaces, with no setting to narrow it; this project listens on 127.0.0.1 unless configured.
 */
public final class LoopbackPrometheusReporter extends AbstractPrometheusReporter {
    private final String host;
    private final int[] ports;
    private HTTPServer server;
    private int port = -1;

    LoopbackPrometheusReporter(String host, String portSpec) {
        this.host = host;
        this.ports = parsePorts(portSpec);
    }

    /** "9249" or "9249-9259" (inclusive), each in [1, 65535]. */
    static int[] parsePorts(String spec) {
        String s = spec.trim();
        int dash = s.indexOf('-');
        int lo;
        int hi;
        try {
            lo = Integer.parseInt(dash < 0 ? s : s.substring(0, dash).trim());
            hi = dash < 0 ? lo : Integer.parseInt(s.substring(dash + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metrics reporter port '" + spec + "': use a port such as 9249 or a range"
                    + " such as 9249-9259");
        }
        if (lo < 1 || hi > 65535 || lo > hi) {
            throw new IllegalArgumentException("metrics reporter port '" + spec + "': ports lie in [1, 65535], low to high");
        }
        int[] out = new int[hi - lo + 1];
        for (int i = 0; i < out.length; i++) {
            out[i] = lo + i;
        }
        return out;
    }

    @Override
    public void open(MetricConfig config) {
        super.open(config);
        CollectorRegistry registry = registry();
        IOException last = null;
        for (int p : ports) {
            try {
                server = new HTTPServer(new InetSocketAddress(host, p), registry, true);
                port = p;
                log.info("Prometheus metrics on http://{}:{}/metrics", host, p);
                return;
            } catch (IOException e) {
                last = e; // taken: try the next port of the range
            }
        }
        throw new IllegalStateException("no free port for the Prometheus reporter on " + host + " in "
                + ports[0] + "-" + ports[ports.length - 1] + ": set metrics.reporter.prom.port to a free port or range",
                last);
    }

    /** The port it listens on (-1 before {@link #open}). */
    public int port() {
        return port;
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop();
            server = null;
        }
        super.close();
    }

    /**
     * The reporter's registry: a package-private field of Flink's base class, read once by reflection, because
     * the base class offers no other way to serve it on an address of our choice.
     */
    private CollectorRegistry registry() {
        try {
            Field f = AbstractPrometheusReporter.class.getDeclaredField("registry");
            f.setAccessible(true);
            return (CollectorRegistry) f.get(this);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("flink-metrics-prometheus changed: AbstractPrometheusReporter.registry not"
                    + " found (this reporter was written against Flink 2.2)", e);
        }
    }
}

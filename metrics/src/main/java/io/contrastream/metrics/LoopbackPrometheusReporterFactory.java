package io.contrastream.metrics;

import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Creates a {@link LoopbackPrometheusReporter}: Flink's Prometheus reporter, listening on {@code host}
 * (127.0.0.1 unless set) at the first free port of {@code port} (a number or a range such as
 * {@code 9249-9259}, so a JobManager and TaskManagers on one host each find one).
 *
 * <pre>{@code
 * metrics.reporter.prom.factory.class: io.contrastream.metrics.LoopbackPrometheusReporterFactory
 * metrics.reporter.prom.host: 127.0.0.1
 * metrics.reporter.prom.port: 9249-9259
 * }</pre>
 */
public final class LoopbackPrometheusReporterFactory implements MetricReporterFactory {
    /** The reporter key that names the address to listen on. */
    public static final String HOST = "host";
    /** The reporter key that names the port or port range. */
    public static final String PORT = "port";
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_PORT = "9249";

    /** The Flink settings that turn this reporter on as {@code prom} at {@code host}:{@code ports}. */
    public static java.util.Map<String, String> settings(String host, String ports) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("metrics.reporter.prom.factory.class", LoopbackPrometheusReporterFactory.class.getName());
        m.put("metrics.reporter.prom." + HOST, host);
        m.put("metrics.reporter.prom." + PORT, ports);
        return m;
    }

    @Override
    public LoopbackPrometheusReporter createMetricReporter(Properties properties) {
        return new LoopbackPrometheusReporter(properties.getProperty(HOST, DEFAULT_HOST),
                properties.getProperty(PORT, DEFAULT_PORT));
    }
}

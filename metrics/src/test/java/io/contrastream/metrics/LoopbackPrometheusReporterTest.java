package io.contrastream.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.Properties;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/** The reporter serves Flink's metrics in Prometheus' text format on 127.0.0.1 and on no other address. */
class LoopbackPrometheusReporterTest {
    @Test
    void servesMetricsOnLoopbackOnly() throws Exception {
        LoopbackPrometheusReporter r = new LoopbackPrometheusReporterFactory().createMetricReporter(props("39249-39299"));
        r.open(new MetricConfig());
        try {
            SimpleCounter c = new SimpleCounter();
            c.inc(7);
            r.notifyOfAddedMetric(c, "deadLetters", new OperatorGroup());
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + r.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(body).contains("deadLetters").containsPattern("deadLetters\\S* 7\\.0");
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (!a.isLoopbackAddress()) {
                        assertThat(connects(a, r.port())).as("listening on " + a).isFalse();
                    }
                }
            }
        } finally {
            r.close();
        }
    }

    @Test
    void takesTheNextPortOfTheRangeWhenOneIsTaken() {
        LoopbackPrometheusReporter a = new LoopbackPrometheusReporterFactory().createMetricReporter(props("39300-39310"));
        LoopbackPrometheusReporter b = new LoopbackPrometheusReporterFactory().createMetricReporter(props("39300-39310"));
        a.open(new MetricConfig());
        b.open(new MetricConfig());
        try {
            assertThat(b.port()).isNotEqualTo(a.port()).isBetween(39300, 39310);
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void refusesABadPortWithTheFix() {
        assertThatThrownBy(() -> LoopbackPrometheusReporter.parsePorts("92x9")).hasMessageContaining("9249-9259");
        assertThatThrownBy(() -> LoopbackPrometheusReporter.parsePorts("9300-9200")).hasMessageContaining("low to high");
    }

    /** A metric group with the logical scope an operator's group has on a TaskManager. */
    static final class OperatorGroup extends UnregisteredMetricsGroup implements org.apache.flink.metrics.LogicalScopeProvider {
        @Override
        public String getLogicalScope(org.apache.flink.metrics.CharacterFilter filter) {
            return getLogicalScope(filter, '.');
        }

        @Override
        public String getLogicalScope(org.apache.flink.metrics.CharacterFilter filter, char delimiter) {
            return String.join(String.valueOf(delimiter), "taskmanager", "job", "task", "operator");
        }

        @Override
        public org.apache.flink.metrics.MetricGroup getWrappedMetricGroup() {
            return this;
        }
    }

    static Properties props(String port) {
        Properties p = new Properties();
        p.setProperty("port", port);
        return p;
    }

    static boolean connects(InetAddress a, int port) {
        try (Socket s = new Socket()) {
            s.connect(new java.net.InetSocketAddress(a, port), 300);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}

package io.contrastream.flink;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/** A sink that collects into a static list by name (MiniCluster tests run in this JVM). */
final class CollectSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;
    static final Map<String, List<Object>> RESULTS = new ConcurrentHashMap<>();
    private final String name;

    CollectSink(String name) {
        this.name = name;
        RESULTS.put(name, new CopyOnWriteArrayList<>());
    }

    @SuppressWarnings("unchecked")
    static <T> List<T> results(String name) {
        return (List<T>) (List<?>) RESULTS.get(name);
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) {
                RESULTS.get(name).add(element);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}

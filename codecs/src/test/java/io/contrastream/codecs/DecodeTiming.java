package io.contrastream.codecs;

import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.connectors.format.avro.AudioEncoding;
import io.contrastream.connectors.format.avro.ImageEncoding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.model.data.audio.SincKernel;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Worst-case decode timings within the default limits (not a CI test: it asserts nothing and takes
 * seconds). Prints the median of several runs per case.
 *
 * <pre>{@code
 * java -cp <test classpath> io.contrastream.connectors.format.DecodeTiming [runs] [image|audio|all]
 * }</pre>
 *
 * <p>Cases: 4096 × 4096 (16 Mpx, the default pixel limit) PNGs in 8-bit RGB, RGBA, palette, gray and
 * 16-bit RGB and RGBA, and a JPEG, each under the 8 MiB byte limit; 10 s of audio at 191,999 Hz (an awkward
 * ratio to 16 kHz) and at 8,001 Hz, and 192,000 Hz (the highest accepted rate, a 12:1 ratio). Images get
 * one uncounted warm-up decode each. Each figure is given as wall time and as the calling thread's CPU time.
 */
public final class DecodeTiming {
    /** Thread CPU time as well as wall time: the build machine is shared, and wall time shows its load. */
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory
            .getThreadMXBean();

    private DecodeTiming() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String what = args.length > 1 ? args[1] : "all";
        if (what.equals("all") || what.equals("image")) {
            images(runs);
        }
        if (what.equals("all") || what.equals("audio")) {
            audio(runs);
        }
    }

    static void images(int runs) throws Exception {
        int s = 4096;
        ImageDecoder dec = new ImageDecoder(ImageLimits.DEFAULT);
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {"png rgb8", png(pattern(BufferedImage.TYPE_3BYTE_BGR, s)), ImageEncoding.PNG});
        cases.add(new Object[] {"png rgba8", png(pattern(BufferedImage.TYPE_4BYTE_ABGR, s)), ImageEncoding.PNG});
        cases.add(new Object[] {"png gray8", png(pattern(BufferedImage.TYPE_BYTE_GRAY, s)), ImageEncoding.PNG});
        cases.add(new Object[] {"png palette8", png(palette(s)), ImageEncoding.PNG});
        cases.add(new Object[] {"png rgb16", png(rgb16(s)), ImageEncoding.PNG});
        cases.add(new Object[] {"png rgba16", png(rgb16(s, true)), ImageEncoding.PNG});
        cases.add(new Object[] {"jpeg rgb", jpeg(pattern(BufferedImage.TYPE_3BYTE_BGR, s)), ImageEncoding.JPEG});
        for (Object[] c : cases) {
            byte[] bytes = (byte[]) c[1];
            for (int ch : new int[] {3, 1}) {
                ImageRecord r = ImageRecord.newBuilder().setId("t").setSource("t").setEventTime(Instant.EPOCH)
                        .setEncoding((ImageEncoding) c[2]).setWidth(s).setHeight(s).setChannels(ch)
                        .setBytes(ByteBuffer.wrap(bytes)).build();
                double[] t = new double[runs];
                double[] cpu = new double[runs];
                dec.decode(r);   // warm-up, not counted
                for (int i = 0; i < runs; i++) {
                    long t0 = System.nanoTime();
                    long c0 = CPU.getCurrentThreadCpuTime();
                    dec.decode(r);
                    cpu[i] = (CPU.getCurrentThreadCpuTime() - c0) / 1e6;
                    t[i] = (System.nanoTime() - t0) / 1e6;
                }
                System.out.printf("%-13s %8d bytes -> %d ch: median %7.1f ms wall %s, %7.1f ms thread CPU %s%n", c[0],
                        bytes.length, ch, median(t), Arrays.toString(round(t)), median(cpu), Arrays.toString(round(cpu)));
            }
        }
    }

    static void audio(int runs) throws Exception {
        for (int rate : new int[] {191_999, 8_001, 192_000}) {
            int n = 10 * rate;
            float[] x = new float[n];
            Random rnd = new Random(1);
            for (int i = 0; i < n; i++) {
                x[i] = (float) rnd.nextGaussian() * 0.3f;
            }
            ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : x) {
                b.putFloat(v);
            }
            AudioChunk chunk = AudioChunk.newBuilder().setStreamId("s").setSequenceNumber(0)
                    .setEventTime(Instant.EPOCH).setSampleRate(rate).setChannels(1).setEncoding(AudioEncoding.F32LE)
                    .setBytes(ByteBuffer.wrap(b.array())).build();
            double[] stream = new double[runs];
            double[] streamCpu = new double[runs];
            double[] whole = new double[runs];
            double[] wholeCpu = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                long c0 = CPU.getCurrentThreadCpuTime();
                float[] mono = AudioDecoder.toMono(chunk, AudioLimits.DEFAULT);
                new Resampler(rate, 16_000).process(mono);
                streamCpu[i] = (CPU.getCurrentThreadCpuTime() - c0) / 1e6;
                stream[i] = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                c0 = CPU.getCurrentThreadCpuTime();
                SincKernel.resample(mono, rate, 16_000);
                wholeCpu[i] = (CPU.getCurrentThreadCpuTime() - c0) / 1e6;
                whole[i] = (System.nanoTime() - t0) / 1e6;
            }
            System.out.printf("audio %7d Hz, 10 s F32LE -> 16 kHz: decode+Resampler median %7.1f ms wall %s,"
                    + " %7.1f ms CPU; SincKernel.resample median %7.1f ms wall %s, %7.1f ms CPU%n", rate,
                    median(stream), Arrays.toString(round(stream)), median(streamCpu), median(whole),
                    Arrays.toString(round(whole)), median(wholeCpu));
        }
    }

    /** Gradients with a coarse checker: compressible enough to stay under 8 MiB at 16 Mpx. */
    static BufferedImage pattern(int type, int s) {
        BufferedImage img = new BufferedImage(s, s, type);
        WritableRaster r = img.getRaster();
        int bands = r.getNumBands();
        int[] px = new int[bands];
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                for (int b = 0; b < bands; b++) {
                    px[b] = (x * (1 + b) + y * (2 + b) + (((x >> 5) ^ (y >> 5)) & 3) * 16) & 0xFF;
                }
                if (bands == 4) {
                    px[3] = 128 + ((x + y) & 127);
                }
                r.setPixel(x, y, px);
            }
        }
        return img;
    }

    static BufferedImage palette(int s) {
        byte[] rr = new byte[256];
        byte[] gg = new byte[256];
        byte[] bb = new byte[256];
        for (int i = 0; i < 256; i++) {
            rr[i] = (byte) (255 - i);
            gg[i] = (byte) (i * 7);
            bb[i] = (byte) (i * 13 + 5);
        }
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(8, 256, rr, gg, bb));
        WritableRaster r = img.getRaster();
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                r.setSample(x, y, 0, (x + y * 2 + (((x >> 5) ^ (y >> 5)) & 3) * 16) & 0xFF);
            }
        }
        return img;
    }

    static BufferedImage rgb16(int s) {
        return rgb16(s, false);
    }

    /** 16 bits per component; with alpha, the most raw bytes per pixel PNG has (8: 128 MiB at 16 Mpx). */
    static BufferedImage rgb16(int s, boolean alpha) {
        java.awt.color.ColorSpace cs = java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB);
        java.awt.image.ComponentColorModel cm = new java.awt.image.ComponentColorModel(cs, alpha, false,
                alpha ? java.awt.Transparency.TRANSLUCENT : java.awt.Transparency.OPAQUE,
                java.awt.image.DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(s, s);
        int[] px = new int[alpha ? 4 : 3];
        px[px.length - 1] = 0xFFFF;
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                for (int b = 0; b < 3; b++) {
                    px[b] = ((x * (1 + b) + y * (2 + b) + (((x >> 5) ^ (y >> 5)) & 3) * 16) & 0xFF) * 257;
                }
                r.setPixel(x, y, px);
            }
        }
        return new BufferedImage(cm, r, false, null);
    }

    static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return check(out.toByteArray());
    }

    static byte[] jpeg(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        return check(out.toByteArray());
    }

    static byte[] check(byte[] b) {
        if (b.length > ImageLimits.DEFAULT.maxBytes()) {
            throw new IllegalStateException("timing image of " + b.length + " bytes is over the default limit");
        }
        return b;
    }

    static double median(double[] t) {
        double[] s = t.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static long[] round(double[] t) {
        long[] r = new long[t.length];
        for (int i = 0; i < t.length; i++) {
            r[i] = Math.round(t[i]);
        }
        return r;
    }
}

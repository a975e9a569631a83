//! Q5_0 weights rewritten as Q8_0, losslessly, so the browser runs them with a SIMD kernel.
//!
//! A "Q4_K_M" file of a small model is mostly Q5_0: llama.cpp's quantizer falls back to it for rows whose
//! width (576 for SmolLM2-135M, 896 for Qwen2.5-0.5B) is not a multiple of 256. candle has WebAssembly
//! SIMD kernels for Q8_0 but not for Q5_0, which then runs scalar code, about five times slower. A Q5_0
//! weight is `d·(q − 16)` with `q` in 0..32: the same value is a Q8_0 weight with the same scale `d` and
//! `q8 = q − 16`, and a dot product with Q8_0 activations sums the same integers times the same scales —
//! so every logit is the one ggml's Q5_0 kernel computes. The cost is memory: 34 bytes per 32 weights
//! instead of 22.

use candle_core::quantized::gguf_file::Content;
use candle_core::quantized::GgmlDType;

const QK: usize = 32;
const Q5_0_BYTES: usize = 22;
const Q8_0_BYTES: usize = 34;
/// GGUF's default tensor alignment.
const ALIGN: usize = 32;

/// One Q5_0 block (scale, 32 high bits, 16 bytes of low nibbles) as a Q8_0 block (scale, 32 bytes).
fn block(src: &[u8], dst: &mut [u8]) {
    dst[..2].copy_from_slice(&src[..2]);
    let qh = u32::from_le_bytes([src[2], src[3], src[4], src[5]]);
    let qs = &src[6..22];
    for j in 0..QK / 2 {
        let hi0 = ((qh >> j) << 4) & 0x10;
        let hi1 = (qh >> (j + 12)) & 0x10;
        let lo0 = u32::from(qs[j] & 0x0f);
        let lo1 = u32::from(qs[j] >> 4);
        dst[2 + j] = ((lo0 | hi0) as i32 - 16) as i8 as u8;
        dst[2 + j + QK / 2] = ((lo1 | hi1) as i32 - 16) as i8 as u8;
    }
}

/// The tensor data of `bytes` (a GGUF file read into `ct`) with every Q5_0 tensor widened to Q8_0, and
/// `ct` pointed at it (offsets from the buffer's start). `None` (and `ct` unchanged) when there is no
/// Q5_0 tensor. Errors name a tensor whose data is not inside the file.
pub fn widen_q5_0(ct: &mut Content, bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
    if !ct
        .tensor_infos
        .values()
        .any(|t| t.ggml_dtype == GgmlDType::Q5_0)
    {
        return Ok(None);
    }
    let mut names: Vec<String> = ct.tensor_infos.keys().cloned().collect();
    names.sort_by_key(|n| ct.tensor_infos[n].offset);
    let size = |dtype: GgmlDType, n: usize| n / dtype.block_size() * dtype.type_size();
    let total: usize = names
        .iter()
        .map(|n| {
            let t = &ct.tensor_infos[n];
            let dtype = match t.ggml_dtype {
                GgmlDType::Q5_0 => GgmlDType::Q8_0,
                d => d,
            };
            size(dtype, t.shape.elem_count()).next_multiple_of(ALIGN)
        })
        .sum();
    let mut out = vec![0u8; total];
    let mut at = 0usize;
    for name in names {
        let t = ct.tensor_infos.get_mut(&name).expect("listed");
        let n = t.shape.elem_count();
        let from = ct.tensor_data_offset as usize + t.offset as usize;
        let len = size(t.ggml_dtype, n);
        let src = bytes
            .get(from..from + len)
            .ok_or_else(|| format!("the data of tensor {name} is not inside the file"))?;
        if t.ggml_dtype == GgmlDType::Q5_0 {
            let dst = &mut out[at..at + n / QK * Q8_0_BYTES];
            for (s, d) in src
                .chunks_exact(Q5_0_BYTES)
                .zip(dst.chunks_exact_mut(Q8_0_BYTES))
            {
                block(s, d);
            }
            t.ggml_dtype = GgmlDType::Q8_0;
            t.offset = at as u64;
            at += (n / QK * Q8_0_BYTES).next_multiple_of(ALIGN);
        } else {
            out[at..at + len].copy_from_slice(src);
            t.offset = at as u64;
            at += len.next_multiple_of(ALIGN);
        }
    }
    ct.tensor_data_offset = 0;
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::quantized::ggml_file::qtensor_from_ggml;
    use candle_core::quantized::{GgmlDType, QTensor};
    use candle_core::{Device, Tensor};

    #[test]
    fn q5_0_widened_to_q8_0_holds_the_same_weights() {
        let dev = Device::Cpu;
        let xs: Vec<f32> = (0..64 * 128)
            .map(|i| ((i * 7919) % 1000) as f32 / 250.0 - 2.0)
            .collect();
        let t = Tensor::from_vec(xs, (64, 128), &dev).unwrap();
        let q5 = QTensor::quantize(&t, GgmlDType::Q5_0).unwrap();
        let raw = q5.data().unwrap().to_vec();
        assert_eq!(raw.len(), 64 * 128 / QK * Q5_0_BYTES);
        let mut widened = vec![0u8; 64 * 128 / QK * Q8_0_BYTES];
        for (s, d) in raw
            .chunks_exact(Q5_0_BYTES)
            .zip(widened.chunks_exact_mut(Q8_0_BYTES))
        {
            block(s, d);
        }
        let q8 = qtensor_from_ggml(GgmlDType::Q8_0, &widened, vec![64, 128], &dev).unwrap();
        let a = q5
            .dequantize(&dev)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let b = q8
            .dequantize(&dev)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(a, b, "every weight is the same number");
        // And a matmul through candle's kernels gives the same result to float rounding.
        let x = Tensor::from_vec(
            (0..3 * 128)
                .map(|i| (i % 17) as f32 / 8.0 - 1.0)
                .collect::<Vec<_>>(),
            (3, 128),
            &dev,
        )
        .unwrap();
        let m5 = candle_core::quantized::QMatMul::from_qtensor(q5).unwrap();
        let m8 = candle_core::quantized::QMatMul::from_qtensor(q8).unwrap();
        use candle_core::Module;
        let (y5, y8) = (m5.forward(&x).unwrap(), m8.forward(&x).unwrap());
        let diff = (y5 - y8)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(diff < 1e-3, "{diff}");
    }
}

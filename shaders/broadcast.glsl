// broadcast.glsl — numpy broadcasting of a binary op: the offsets in A and B of output element
// i, from the layout at OFF0 (rank, output dims, A strides, B strides; see
// eml_vk_broadcast_params).
ivec2 eml_broadcast(int i)
{
	int rank = p_i[OFF0];
	ivec2 off = ivec2(0);
	for (int d = rank - 1; d >= 0; d--) {
		int dim = p_i[OFF0 + 1 + d];
		int c = i % dim;
		i /= dim;
		off += c * ivec2(p_i[OFF0 + 1 + rank + d], p_i[OFF0 + 1 + 2 * rank + d]);
	}
	return off;
}

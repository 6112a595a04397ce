/*
 * vk_shader_text.h — the GLSL sources of shaders/, compiled into the library by
 * tools/embed-shaders.sh (build/gen/vk_shader_text.c).
 */
#ifndef EML_VK_SHADER_TEXT_H
#define EML_VK_SHADER_TEXT_H

typedef struct eml_shader_text {
	const char *name; /* file name in shaders/, e.g. "qconv.comp" */
	const char *text;
} eml_shader_text;

extern const eml_shader_text eml_shader_texts[];
extern const unsigned eml_shader_text_count;

#endif /* EML_VK_SHADER_TEXT_H */

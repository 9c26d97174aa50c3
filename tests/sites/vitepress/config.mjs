// The test site: Chinese at the root, English under en/ (as KaiYuanShe's report sites).
export default {
  title: "KaiYuanShe",
  locales: {
    root: { label: "简体中文", lang: "zh-CN" },
    en: { label: "English", lang: "en-US", link: "/en/" },
  },
  // Keep images as files, so that the test can find them in the built site.
  vite: { build: { assetsInlineLimit: 0 } },
}

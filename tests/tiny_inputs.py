"""Tiny inputs the command tests write to files: a two-country bilingual knowledge base,
three sentence pairs, six labelled documents."""

KB = {"en": {"France": {"capital": "Paris", "continent": "Europe"},
             "Japan": {"capital": "Tokyo", "continent": "Asia"}},
      "zh": {"法国": {"首都": "巴黎", "大洲": "欧洲"}, "日本": {"首都": "东京", "大洲": "亚洲"}},
      "names": {"France": "法国", "Japan": "日本"}}
PAIRS = [{"en": "The capital of France is Paris.", "zh": "法国的首都是巴黎。"},
         {"en": "Japan is in Asia.", "zh": "日本位于亚洲。"},
         {"en": "People in China speak Chinese.", "zh": "中国人说汉语。"}]
DOCS = [("animal", "The cat sat on the mat."), ("animal", "A dog ran in the park."),
        ("animal", "My cat slept all day."), ("sport", "The striker scored twice."),
        ("sport", "Our team won the match."), ("sport", "The keeper saved a penalty.")]

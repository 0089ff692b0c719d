import { registerMessages } from '../../i18n';

registerMessages('keyboard', {
  en: {
    characterKeys: 'Single-key shortcuts',
    characterKeysHint: 'Turn off if you use speech input, or if keys get pressed by accident. Shortcuts with Alt stay on.',
    characterKeysOff: 'Single-key shortcuts are off in this browser.',
  },
  hi: {
    characterKeys: 'एक-कुंजी शॉर्टकट',
    characterKeysHint: 'यदि आप बोलकर इनपुट देते हैं, या कुंजियाँ गलती से दब जाती हैं, तो इन्हें बंद करें। Alt वाले शॉर्टकट चालू रहते हैं।',
    characterKeysOff: 'इस ब्राउज़र में एक-कुंजी शॉर्टकट बंद हैं।',
  },
  ar: {
    characterKeys: 'اختصارات المفتاح الواحد',
    characterKeysHint: 'أوقفها إذا كنت تستخدم الإدخال الصوتي أو إذا ضُغطت المفاتيح عن غير قصد. تبقى الاختصارات التي تستخدم Alt مفعّلة.',
    characterKeysOff: 'اختصارات المفتاح الواحد متوقفة في هذا المتصفح.',
  },
});

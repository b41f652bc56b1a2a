import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { z } from 'zod';
import App from './App.vue';
import { router } from './router.ts';
import './styles.css';

// The CSP forbids eval; without this zod would probe for `new Function` and log a violation.
z.config({ jitless: true });

createApp(App).use(createPinia()).use(router).mount('#app');

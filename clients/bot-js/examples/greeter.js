// A greeter with one slash command. Run: PARLEY_URL=ws://127.0.0.1:8080/ws PARLEY_BOT_TOKEN=… node examples/greeter.js
import { ParleyBot } from 'parley-bot';

const bot = new ParleyBot({
  url: process.env.PARLEY_URL ?? 'ws://127.0.0.1:8080/ws',
  token: process.env.PARLEY_BOT_TOKEN ?? '',
  channels: ['help'],
});

bot.onMessage(async (msg, ctx) => {
  if (/\b(hi|hello)\b/i.test(msg.text)) await ctx.reply(`Welcome, ${msg.from.name}! Someone will be with you shortly.`);
});
bot.onCommand('hours', (cmd, ctx) => ctx.reply('We answer 9:00-17:00 UTC, Monday to Friday.'));
bot.on('fatal', (err) => { console.error(`stopped for good: ${err.message}`); process.exitCode = 1; });

await bot.start();
await bot.registerCommands([{ name: 'hours', description: 'When do people answer?' }]);
process.once('SIGTERM', () => bot.stop());
process.once('SIGINT', () => bot.stop());

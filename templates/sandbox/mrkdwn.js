// Slack's mrkdwn → HTML for the sandbox page. Text is escaped before any markup is added; links
// only for http(s) and mailto. `SlackText.names` tells how to show people and channels by id.
'use strict';

const SlackText = (() => {
  const names = { user: (id) => id, channel: (id) => id };
  const userName = (id) => names.user(id);
  const channelName = (id) => names.channel(id);

  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const unslack = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const safeUrl = (u) => (/^(https?:|mailto:)/i.test(u) ? u : null);

  /** One `<…>` control sequence: a mention, a channel, a date, a link. */
  function control(inner) {
    const [target, label] = [inner.split('|')[0], inner.includes('|') ? inner.slice(inner.indexOf('|') + 1) : null];
    if (target.startsWith('@')) return `<span class="mention">@${esc(label ?? userName(target.slice(1)))}</span>`;
    if (target.startsWith('#')) return `<span class="mention">#${esc(label ?? channelName(target.slice(1)))}</span>`;
    if (target.startsWith('!date^')) {
      const ts = Number(target.split('^')[1]);
      return esc(Number.isFinite(ts) ? new Date(ts * 1000).toLocaleString() : unslack(label ?? ''));
    }
    if (target.startsWith('!')) return `<span class="mention">@${esc(target.slice(1).split('^')[0])}</span>`;
    const url = safeUrl(unslack(target));
    const text = esc(unslack(label ?? target));
    return url ? `<a href="${esc(url)}" target="_blank" rel="noopener">${text}</a>` : text;
  }

  function mrkdwn(source) {
    const held = [];
    const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
    let s = String(source).replace(/\u0000/g, '').replace(/<([^<>\n]+)>/g, (_, inner) => hold(control(inner)));
    s = esc(unslack(s));
    s = s.replace(/```([\s\S]*?)```/g, (_, code) => hold(`<pre>${code.replace(/^\n/, '')}</pre>`));
    s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${code}</code>`));
    s = s.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, '$1<b>$2</b>');
    s = s.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, '$1<i>$2</i>');
    s = s.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, '$1<s>$2</s>');
    s = s.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] ?? whole);
    s = s.split('\n').map((line) => (line.startsWith('&#62; ') ? `<blockquote>${line.slice(6)}</blockquote>` : line)).join('<br>');
    return s.replace(/\u0000(\d+)\u0000/g, (_, i) => held[Number(i)]);
  }
  const EMOJI = {
    adhesive_bandage: '🩹', alarm_clock: '⏰', arrow_right: '➡️', arrows_counterclockwise: '🔄', bell: '🔔', busts_in_silhouette: '👥',
    chart_with_upwards_trend: '📈', checkered_flag: '🏁', clipboard: '📋', eyes: '👀', fire: '🔥', gear: '⚙️', handshake: '🤝',
    hourglass: '⌛', hourglass_flowing_sand: '⏳', information_source: 'ℹ️', link: '🔗', lock: '🔒', loudspeaker: '📢', mag: '🔍', mega: '📣',
    memo: '📝', memory: '🧠', no_entry_sign: '🚫', octagonal_sign: '🛑', pushpin: '📌', raised_hand: '✋', robot_face: '🤖',
    rotating_light: '🚨', sos: '🆘', tada: '🎉', thumbsup: '👍', warning: '⚠️', white_check_mark: '✅', x: '❌', zap: '⚡',
  };

  const textHtml = (t) => (!t ? '' : t.type === 'mrkdwn' ? mrkdwn(t.text) : esc(t.text).replace(/\n/g, '<br>'));

  return { names, esc, mrkdwn, textHtml };
})();

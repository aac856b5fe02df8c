{% load static %}<?xml version="1.0" encoding="utf-8"?>
<!-- How a browser shows this site's RSS and Atom feeds to a person: a plain page with a subscribe hint.
     Feed readers ignore it. Titles and descriptions are HTML-escaped in the feeds (articles/feeds.py),
     so they are copied out unescaped once here, which shows "&" as "&" and markup as text. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:variable name="address" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>
  <xsl:variable name="site" select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="$title" disable-output-escaping="yes"/> (news feed)</title>
        <link rel="icon" href="{% static 'favicon.svg' %}" type="image/svg+xml"/>
        <link rel="stylesheet" href="{% static 'feeds/feed.css' %}"/>
      </head>
      <body>
        <aside class="feed-hint" aria-labelledby="feed-hint-title">
          <h2 id="feed-hint-title">This is a news feed: subscribe to it</h2>
          <p>Copy this page's address into a feed reader (NetNewsWire, Feedly, Thunderbird, Inoreader...) to get new stories as they are published.</p>
          <p class="feed-hint__address"><code><xsl:value-of select="$address"/></code></p>
        </aside>
        <main class="feed">
          <header class="feed__head">
            <h1 dir="auto"><xsl:value-of select="$title" disable-output-escaping="yes"/></h1>
            <p dir="auto"><xsl:value-of select="/rss/channel/description | /atom:feed/atom:subtitle" disable-output-escaping="yes"/></p>
            <p><a href="{$site}">Visit {{ site_name }}</a></p>
          </header>
          <ol class="feed__items">
            <xsl:for-each select="/rss/channel/item | /atom:feed/atom:entry">
              <li class="feed__item">
                <h2 dir="auto"><a href="{link | atom:link[@rel='alternate']/@href}"><xsl:value-of select="title | atom:title" disable-output-escaping="yes"/></a></h2>
                <p class="feed__meta"><bdi><xsl:value-of select="pubDate | atom:published"/></bdi></p>
                <p dir="auto"><xsl:value-of select="description | atom:summary" disable-output-escaping="yes"/></p>
              </li>
            </xsl:for-each>
          </ol>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
